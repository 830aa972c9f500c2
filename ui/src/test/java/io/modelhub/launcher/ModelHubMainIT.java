package io.modelhub.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The start command's jar, started the way the README starts it, on an empty data folder: it creates the
 * admin from MODELHUB_ADMIN_TOKEN, serves the UI and the API. Then it is killed (SIGKILL, as a crash would),
 * leaving its PostgreSQL behind; the next start recovers the folder and everything is still there.
 */
class ModelHubMainIT {
    private static final String TOKEN = "hf_RestartTestToken0123456789abcdefghij";
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesAndKeepsReposAcrossACrashAndRestart(@TempDir Path data) throws Exception {
        int port = freePort();
        String base = "http://127.0.0.1:" + port;
        String content = "{\"model_type\":\"bert\",\"kept\":true}";

        Process first = start(data, port, "first");
        try {
            long seconds = waitHealthy(base, first);
            System.out.println("ModelHub served /health " + seconds + " s after start (empty data folder)");
            assertEquals(200, send("POST", base + "/api/repos/create", "application/json", "{\"name\":\"kept-model\"}").statusCode());
            String ndjson = "{\"key\":\"header\",\"value\":{\"summary\":\"add config\"}}\n"
                    + "{\"key\":\"file\",\"value\":{\"path\":\"config.json\",\"encoding\":\"base64\",\"content\":\""
                    + Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8)) + "\"}}\n";
            HttpResponse<String> commit = send("POST", base + "/api/models/admin/kept-model/commit/main", "application/x-ndjson", ndjson);
            assertEquals(200, commit.statusCode(), commit.body());
        } finally {
            first.destroyForcibly();
            first.waitFor(30, TimeUnit.SECONDS);
        }

        Process second = start(data, port, "second");
        try {
            waitHealthy(base, second);
            HttpResponse<String> file = send("GET", base + "/admin/kept-model/resolve/main/config.json", null, null);
            assertEquals(200, file.statusCode());
            assertEquals(content, file.body());
            assertTrue(send("GET", base + "/api/models?search=kept", null, null).body().contains("admin/kept-model"));
            HttpResponse<String> page = send("GET", base + "/admin/kept-model", null, null);
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<html"), "the UI answers");
        } finally {
            stop(second);
        }
        assertFalse(Files.exists(data.resolve("postgres").resolve("postmaster.pid")), "PostgreSQL stops with the hub");
    }

    private Process start(Path data, int port, String name) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", System.getProperty("modelhub.server.jar"));
        pb.environment().put("MODELHUB_DATA", data.toString());
        pb.environment().put("MODELHUB_PORT", String.valueOf(port));
        pb.environment().put("MODELHUB_ADMIN_TOKEN", TOKEN);
        pb.environment().remove("MODELHUB_DB_URL");
        pb.environment().remove("MODELHUB_S3_ENDPOINT");
        pb.redirectErrorStream(true);
        pb.redirectOutput(Path.of(System.getProperty("modelhub.it.logs", "target"), "server-it-" + name + ".log").toFile());
        return pb.start();
    }

    private long waitHealthy(String base, Process process) throws Exception {
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(2)) {
            if (!process.isAlive()) {
                throw new AssertionError("The server exited with " + process.exitValue() + "; see target/server-it-*.log");
            }
            try {
                if (send("GET", base + "/health/ready", null, null).statusCode() == 200) {
                    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("The server did not serve /health/ready within 2 minutes");
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("The server did not stop within 60 s of SIGTERM");
        }
    }

    private HttpResponse<String> send(String method, String url, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TOKEN);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
