package io.modelhub.launcher;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged server (quarkus-run.jar) started the way the README starts it, on a data folder, with embedded
 * PostgreSQL and S3; its output goes to target/server-it-NAME.log. Build with {@link #on(Path)}.
 */
final class ServerProcess implements AutoCloseable {
    static final String TOKEN = "hf_RestartTestToken0123456789abcdefghij";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    final String base;

    private ServerProcess(Process process, int port) {
        this.process = process;
        this.base = "http://127.0.0.1:" + port;
    }

    static Builder on(Path data) {
        return new Builder(data);
    }

    static final class Builder {
        private final Path data;
        private final Map<String, String> env = new LinkedHashMap<>();
        private int port;

        private Builder(Path data) {
            this.data = data;
            // the launcher's local runner and demo catalog are off unless a test asks for them
            env.put("MODELHUB_LOCAL_RUNNER", "false");
            env.put("MODELHUB_DEMO", "false");
        }

        Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        Builder port(int port) {
            this.port = port;
            return this;
        }

        ServerProcess start(String name) throws IOException {
            int p = port != 0 ? port : freePort();
            ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar", System.getProperty("modelhub.server.jar"));
            pb.environment().put("MODELHUB_DATA", data.toString());
            pb.environment().put("MODELHUB_PORT", String.valueOf(p));
            pb.environment().put("MODELHUB_ADMIN_TOKEN", TOKEN);
            pb.environment().remove("MODELHUB_DB_URL");
            pb.environment().remove("MODELHUB_S3_ENDPOINT");
            pb.environment().putAll(env);
            pb.redirectErrorStream(true);
            pb.redirectOutput(Path.of(System.getProperty("modelhub.it.logs", "target"), "server-it-" + name + ".log").toFile());
            return new ServerProcess(pb.start(), p);
        }
    }

    /** Seconds until /health/ready answers 200. */
    long waitHealthy() throws Exception {
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(2)) {
            if (!process.isAlive()) {
                throw new AssertionError("The server exited with " + process.exitValue() + "; see target/server-it-*.log");
            }
            try {
                if (send("GET", "/health/ready", null, null).statusCode() == 200) {
                    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("The server did not serve /health/ready within 2 minutes");
    }

    HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TOKEN);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A call with a binary body (an image for the inference API). */
    HttpResponse<String> sendBytes(String method, String path, String contentType, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(90))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", contentType)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null, null);
    }

    /** The body of a GET as bytes (a file download); fails unless it answers 200. */
    byte[] bytes(String path) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + r.statusCode());
        }
        return r.body();
    }

    /** A body-less call with another bearer token than the admin's (a scraper's, a runner's). */
    HttpResponse<String> sendWithToken(String method, String path, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** As a crash would: SIGKILL, leaving the embedded PostgreSQL behind. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, as a user stopping the hub; fails if it does not stop within 60 s. */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("The server did not stop within 60 s of SIGTERM");
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
