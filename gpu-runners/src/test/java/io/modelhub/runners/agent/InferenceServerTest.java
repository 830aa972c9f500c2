package io.modelhub.runners.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.RunnerProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The serving loop against a hub played by the test, which holds a poll as the real router does: a runner without
 * capacity gets nothing, so its poll lasts its whole wait. A full runner must not sit in such a poll while its slots
 * free up (it did: every request behind a full runner waited 2 s).
 */
class InferenceServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final BlockingQueue<InferenceProtocol.Work> pending = new LinkedBlockingQueue<>();
    private final List<Long> answeredAt = Collections.synchronizedList(new ArrayList<>());
    private final List<String> fullPolls = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean stopping = new AtomicBoolean();

    @TempDir
    Path tmp;

    InferenceServerTest() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext(RunnerProtocol.ROOT + "/7/inference/", this::handle);
        server.start();
    }

    @AfterEach
    void stop() {
        stopping.set(true);
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        try {
            if (path.endsWith("/next")) {
                JsonNode poll = JSON.readTree(exchange.getRequestBody());
                int capacity = poll.path("capacity").asInt();
                String query = exchange.getRequestURI().getQuery();
                long waitMs = Long.parseLong(query.substring(query.indexOf('=') + 1)) * 1000;
                if (capacity == 0) {
                    fullPolls.add(query);
                    Thread.sleep(waitMs); // nothing for a runner without room, as InferenceRouter.poll
                    send(exchange, 204, null);
                    return;
                }
                InferenceProtocol.Work work = pending.poll(Math.min(waitMs, 500), TimeUnit.MILLISECONDS);
                if (work == null) {
                    send(exchange, 204, null);
                } else {
                    send(exchange, 200, JSON.writeValueAsBytes(List.of(work)));
                }
            } else if (path.endsWith("/result")) {
                exchange.getRequestBody().readAllBytes();
                answeredAt.add(System.nanoTime());
                send(exchange, 204, null);
            } else {
                send(exchange, 404, "{\"error\":\"no such file\"}".getBytes());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body == null ? -1 : body.length);
        if (body != null) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
        exchange.close();
    }

    @Test
    void aFullRunnerTakesTheNextRequestAsSoonAsASlotFrees() throws Exception {
        for (int i = 0; i < 3; i++) {
            // a model without files: its load fails at once and the runner answers with the error, freeing the slot
            pending.add(new InferenceProtocol.Work("r" + i, "admin/nothing", "0".repeat(40), null, "a text", Map.of(),
                    null, List.of()));
        }
        HubClient hub = new HubClient("http://127.0.0.1:" + server.getAddress().getPort(), "mhr_" + "a".repeat(40));
        // one worker, no batching: one request held at a time, so the runner is full after each poll that brings one
        Thread loop = new Thread(new InferenceServer(hub, () -> 7, tmp, 1L << 30, 1, 1, stopping::get), "serving");
        loop.setDaemon(true);
        loop.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (answeredAt.size() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(3, answeredAt.size(), "all three requests answered");
        double firstToLast = (answeredAt.get(2) - answeredAt.get(0)) / 1e6;
        // held in 2 s polls, the second and third request would each have waited 2 s (>= 4000 ms)
        assertTrue(firstToLast < 2000, "requests 2 and 3 came " + firstToLast + " ms after the first answer");
        assertTrue(fullPolls.stream().allMatch(q -> q.endsWith("wait=0")), "a full runner's poll returns at once: " + fullPolls);
    }
}
