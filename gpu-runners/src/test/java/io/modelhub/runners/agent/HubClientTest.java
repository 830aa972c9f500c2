package io.modelhub.runners.agent;

import com.sun.net.httpserver.HttpServer;
import io.modelhub.contract.RunnerProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The runner's client against a hub that fails the way networks and restarting hubs do. */
class HubClientTest {
    private static final HubClient.Backoff FAST = new HubClient.Backoff(4, Duration.ofMillis(10), Duration.ofMillis(50));
    private final HttpServer server;
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());

    HubClientTest() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private HubClient client() {
        return new HubClient("http://127.0.0.1:" + server.getAddress().getPort(), "mhr_" + "a".repeat(40), FAST);
    }

    @Test
    void transientFailuresAreRetriedWithBackoff() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        server.createContext(RunnerProtocol.ROOT + "/7/heartbeat", exchange -> {
            seen.add(exchange.getRequestHeaders().getFirst("Authorization"));
            byte[] body = calls.incrementAndGet() < 3 ? "{\"error\":\"restarting\"}".getBytes() : "{\"cancel\":true,\"lost\":false,\"drain\":false}".getBytes();
            exchange.sendResponseHeaders(calls.get() < 3 ? 503 : 200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        RunnerProtocol.HeartbeatAnswer answer = client().heartbeat(7, new RunnerProtocol.Heartbeat(1L, 1, Map.of()));
        assertEquals(new RunnerProtocol.HeartbeatAnswer(true, false, false), answer);
        assertEquals(3, calls.get(), "two 503s, then the answer");
        assertEquals("Bearer mhr_" + "a".repeat(40), seen.get(0));
    }

    @Test
    void aRefusedCredentialIsNeverRetried() {
        AtomicInteger calls = new AtomicInteger();
        server.createContext(RunnerProtocol.ROOT + "/7/claim", exchange -> {
            calls.incrementAndGet();
            byte[] body = "{\"error\":\"This runner credential is revoked or unknown\"}".getBytes();
            exchange.sendResponseHeaders(401, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        HubClient.CredentialRefused refused = assertThrows(HubClient.CredentialRefused.class, () -> client().claim(7, 0));
        assertEquals(1, calls.get());
        assertEquals(401, refused.status());
        assertEquals(true, refused.getMessage().contains("revoked or unknown"), refused.getMessage());
    }

    @Test
    void aDownloadThatBreaksOffResumesWithARangeRequest(@TempDir Path tmp) throws Exception {
        byte[] file = new byte[300_000];
        for (int i = 0; i < file.length; i++) {
            file[i] = (byte) (i * 31);
        }
        List<String> ranges = Collections.synchronizedList(new ArrayList<>());
        server.createContext(RunnerProtocol.ROOT + "/7/jobs/3/attempts/1/inputs/dataset/train.csv", exchange -> {
            String range = exchange.getRequestHeaders().getFirst("Range");
            ranges.add(String.valueOf(range));
            if (range == null) {
                // announce the whole file, send a third of it, and drop the connection
                exchange.sendResponseHeaders(200, file.length);
                exchange.getResponseBody().write(file, 0, 100_000);
                exchange.getResponseBody().flush();
                exchange.close();
                return;
            }
            int from = Integer.parseInt(range.replace("bytes=", "").replace("-", ""));
            exchange.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (file.length - 1) + "/" + file.length);
            exchange.sendResponseHeaders(206, file.length - from);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(file, from, file.length - from);
            }
        });
        Path target = tmp.resolve("train.csv");
        client().downloadInput(new HubClient.Lease(7, 3, 1), RunnerProtocol.DATASET, "train.csv", target);
        assertArrayEquals(file, Files.readAllBytes(target));
        assertEquals("null", ranges.get(0));
        assertEquals(true, ranges.get(1).startsWith("bytes="), ranges.toString());
        assertEquals(2, ranges.size(), ranges.toString());
    }

    @Test
    void aPermanentRefusalSaysWhat() {
        server.createContext(RunnerProtocol.ROOT + "/7/jobs/3/attempts/1/complete", exchange -> {
            byte[] body = "{\"error\":\"Runner 7 does not hold attempt 1 of job 3\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(409, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        HubClient.HubException e = assertThrows(HubClient.HubException.class,
                () -> client().complete(new HubClient.Lease(7, 3, 1), new RunnerProtocol.Completion(Map.of(), Map.of())));
        assertEquals(409, e.status());
        assertEquals(true, e.getMessage().contains("does not hold attempt 1 of job 3"), e.getMessage());
    }
}
