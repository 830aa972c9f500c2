package io.modelhub.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The start command's jar, started the way the README starts it, on an empty data folder: it creates the
 * admin from MODELHUB_ADMIN_TOKEN, serves the UI and the API. Then it is killed (SIGKILL, as a crash would),
 * leaving its PostgreSQL behind; the next start recovers the folder and everything is still there.
 */
class ModelHubMainIT {

    @Test
    void servesAndKeepsReposAcrossACrashAndRestart(@TempDir Path data) throws Exception {
        int port = ServerProcess.freePort();
        String content = "{\"model_type\":\"bert\",\"kept\":true}";

        ServerProcess first = ServerProcess.on(data).port(port).start("first");
        try {
            long seconds = first.waitHealthy();
            System.out.println("ModelHub served /health " + seconds + " s after start (empty data folder)");
            assertEquals(200, first.send("POST", "/api/repos/create", "application/json", "{\"name\":\"kept-model\"}").statusCode());
            String ndjson = "{\"key\":\"header\",\"value\":{\"summary\":\"add config\"}}\n"
                    + "{\"key\":\"file\",\"value\":{\"path\":\"config.json\",\"encoding\":\"base64\",\"content\":\""
                    + Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8)) + "\"}}\n";
            HttpResponse<String> commit = first.send("POST", "/api/models/admin/kept-model/commit/main", "application/x-ndjson", ndjson);
            assertEquals(200, commit.statusCode(), commit.body());
        } finally {
            first.kill();
        }

        try (ServerProcess second = ServerProcess.on(data).port(port).start("second")) {
            second.waitHealthy();
            HttpResponse<String> file = second.get("/admin/kept-model/resolve/main/config.json");
            assertEquals(200, file.statusCode());
            assertEquals(content, file.body());
            assertTrue(second.get("/api/models?search=kept").body().contains("admin/kept-model"));
            HttpResponse<String> page = second.get("/admin/kept-model");
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<html"), "the UI answers");
            String cookie = page.headers().firstValue("Set-Cookie").orElse("");
            assertTrue(cookie.startsWith("JSESSIONID=") && cookie.contains("HttpOnly"), "the session cookie is HttpOnly: " + cookie);
            assertEquals("frame-ancestors 'self'", page.headers().firstValue("Content-Security-Policy").orElse(""));
        }
        assertFalse(Files.exists(data.resolve("postgres").resolve("postmaster.pid")), "PostgreSQL stops with the hub");
    }
}
