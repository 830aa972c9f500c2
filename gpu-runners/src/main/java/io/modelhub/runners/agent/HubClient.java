package io.modelhub.runners.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The runner's side of the hub protocol (HTTP + JSON, the runner's API token in every request). */
public final class HubClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String token;

    public HubClient(String base, String token) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.token = token;
    }

    public static final class HubException extends IOException {
        private final int status;

        HubException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** POSTs JSON; returns the answer's JSON (null on 204). */
    public JsonNode post(String path, Object body, Duration timeout) throws IOException, InterruptedException {
        HttpRequest request = request(path, timeout).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body == null ? java.util.Map.of() : body))).build();
        return answer(http.send(request, HttpResponse.BodyHandlers.ofByteArray()));
    }

    public JsonNode get(String path) throws IOException, InterruptedException {
        return answer(http.send(request(path, Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofByteArray()));
    }

    /** Streams a file to the hub (PUT, application/octet-stream). */
    public void put(String path, Path file) throws IOException, InterruptedException {
        HttpRequest request = request(path, Duration.ofHours(6)).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofFile(file)).build();
        answer(http.send(request, HttpResponse.BodyHandlers.ofByteArray()));
    }

    /** Streams a download into a file; returns the response headers' ETag (unquoted) or null. */
    public String download(String path, Path target) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = http.send(request(path, Duration.ofHours(6)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() / 100 != 2) {
            try (InputStream body = r.body()) {
                throw new HubException(r.statusCode(), "GET " + path + ": " + r.statusCode() + " " + new String(body.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        Files.createDirectories(target.getParent());
        try (InputStream body = r.body()) {
            Files.copy(body, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return r.headers().firstValue("ETag").map(e -> e.replace("\"", "")).orElse(null);
    }

    public static String encodePath(String path) {
        StringBuilder sb = new StringBuilder();
        for (String segment : path.split("/")) {
            sb.append(sb.length() == 0 ? "" : "/").append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return sb.toString();
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).header("Authorization", "Bearer " + token);
    }

    private static JsonNode answer(HttpResponse<byte[]> r) throws HubException {
        if (r.statusCode() == 204) {
            return null;
        }
        if (r.statusCode() / 100 != 2) {
            String message = new String(r.body(), StandardCharsets.UTF_8);
            try {
                message = JSON.readTree(r.body()).path("error").asText(message);
            } catch (IOException notJson) {
                // keep the raw body
            }
            throw new HubException(r.statusCode(), r.request().method() + " " + r.uri().getPath() + ": " + r.statusCode() + " " + message);
        }
        try {
            return r.body().length == 0 ? null : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new HubException(r.statusCode(), "Answer is not JSON: " + e.getMessage());
        }
    }

    public static ObjectMapper json() {
        return JSON;
    }
}
