package io.modelhub.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.contract.InferenceProtocol.LoadedModel;
import io.modelhub.contract.InferenceProtocol.Poll;
import io.modelhub.contract.InferenceProtocol.Result;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.testing.HubServicesResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hand-over of inference requests between hub instances through PostgreSQL ({@link InferenceRelay}). The other
 * instance is played over a plain JDBC connection, as another hub process would write and notify; this instance plays
 * the caller's instance (A) or the one whose runner serves (B, the runner a simulated poll on its router).
 */
@QuarkusTest
class InferenceRelayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Far from the ids PostgreSQL gives real runners. */
    private static final long FAKE_RUNNER = -18_014;

    @Inject
    InferenceRelay relay;
    @Inject
    InferenceRouter router;

    private static Connection db() throws Exception {
        return DriverManager.getConnection(HubServicesResource.jdbcUrl(), "postgres", "");
    }

    private static Work work(String text) {
        return new Work(UUID.randomUUID().toString(), "relay-ns/relay-model", "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
                "text-classification", text, Map.of("top_k", 2), null, List.of());
    }

    @Test
    void aRequestAnotherInstanceWroteIsServedByARunnerHereAndAnsweredThroughItsRow() throws Exception {
        Work work = work("served on B");
        try (Connection other = db(); Statement listen = other.createStatement()) {
            listen.execute("LISTEN inference");
            try (PreparedStatement insert = other.prepareStatement("insert into inference_requests (id, model, task, work, origin, "
                    + "deadline) values (?, ?, ?, ?, 'relay-test-a', now() + interval '20 seconds')")) {
                insert.setString(1, work.id());
                insert.setString(2, InferenceRelay.model(work));
                insert.setString(3, work.task());
                insert.setBytes(4, JSON.writeValueAsBytes(work));
                insert.execute();
            }
            // a runner of this instance is live (it polled), so this instance claims what it hears of
            router.poll(FAKE_RUNNER, "relay-runner", new Poll(List.of(), 1L << 30, List.of(), 4), 0);
            listen.execute("select pg_notify('inference', 'new " + work.id() + " " + InferenceRelay.model(work) + "')");

            Work taken = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (taken == null && System.nanoTime() < deadline) {
                taken = router.poll(FAKE_RUNNER, "relay-runner", new Poll(List.of(), 1L << 30, List.of(), 4), 200).stream()
                        .filter(w -> w.id().equals(work.id())).findFirst().orElse(null);
            }
            assertNotNull(taken, "the relayed request reached this instance's runner");
            assertEquals(work, taken, "the request as the other instance prepared it");
            assertNotNull(router.held(FAKE_RUNNER, work.id()), "the runner holds it here, so it may fetch the model's files here");
            assertTrue(router.complete(FAKE_RUNNER, work.id(), Result.ok(List.of(Map.of("label", "b", "score", 0.75)))));

            assertEquals("done " + work.id(), awaitNotification(other, "done " + work.id(), 5000), "the caller's instance is told");
            try (PreparedStatement read = other.prepareStatement("select claimed_by, outcome from inference_requests where id = ?")) {
                read.setString(1, work.id());
                try (ResultSet row = read.executeQuery()) {
                    assertTrue(row.next());
                    assertEquals(relay.instance(), row.getString("claimed_by"));
                    JsonNode outcome = JSON.readTree(row.getBytes("outcome"));
                    assertEquals(200, outcome.path("result").path("status").asInt(), outcome.toString());
                    assertEquals("b", outcome.path("result").path("output").path(0).path("label").asText(), outcome.toString());
                    assertEquals(0.75, outcome.path("result").path("output").path(0).path("score").asDouble(), 1e-9);
                }
            }
            delete(other, work.id());
        } finally {
            router.offline(FAKE_RUNNER);
        }
    }

    @Test
    void aCallerHereGetsTheAnswerAnotherInstanceWritesAndNoRowIsLeft() throws Exception {
        try (Connection other = db(); Statement listen = other.createStatement()) {
            listen.execute("LISTEN inference");
            other.setAutoCommit(false);
            // rounds after the first show the hand-over's own cost: this instance's four short transactions and two
            // notifications, plus the other instance's claim and answer over JDBC (docs/benchmarks.md)
            int rounds = 15;
            long[] nanos = new long[rounds];
            for (int i = 0; i < rounds; i++) {
                Work work = work("asked on A " + i);
                CompletableFuture<String> seenWork = CompletableFuture.supplyAsync(() -> answerAsOtherInstance(other, work));
                long t = System.nanoTime();
                InferenceRouter.Outcome outcome = relay.relay(work, 8000);
                nanos[i] = System.nanoTime() - t;
                assertNull(outcome.stall());
                assertEquals(200, outcome.result().status());
                assertEquals(List.of(Map.of("label", "a", "score", 0.5)), outcome.result().output());
                Work written = JSON.readValue(seenWork.get(5, TimeUnit.SECONDS), Work.class);
                assertEquals(work, written, "the request as prepared here (files, parameters) is what the other instance gets");
                assertEquals(0, count(other, work.id()), "the row is gone once answered");
                other.commit();
            }
            long[] warm = java.util.Arrays.copyOfRange(nanos, 1, rounds);
            java.util.Arrays.sort(warm);
            System.out.printf("Inference hand-over through PostgreSQL, other instance answering at once: p50 %.1f ms, max %.1f ms "
                    + "over %d rounds%n", warm[warm.length / 2] / 1e6, warm[warm.length - 1] / 1e6, warm.length);
        }
    }

    /** The other instance: hears the request, claims it and answers, as an instance whose runner computed it would. */
    private static String answerAsOtherInstance(Connection other, Work work) {
        try {
            awaitNotification(other, "new " + work.id() + " " + InferenceRelay.model(work), 5000);
            String claimed;
            try (PreparedStatement claim = other.prepareStatement("update inference_requests set claimed_by = 'relay-test-b', "
                    + "claimed_at = now() where id = ? and claimed_by is null returning convert_from(work, 'UTF8') as work")) {
                claim.setString(1, work.id());
                try (ResultSet row = claim.executeQuery()) {
                    claimed = row.next() ? row.getString("work") : null;
                }
            }
            try (PreparedStatement answer = other.prepareStatement("update inference_requests set outcome = ? where id = ?")) {
                answer.setBytes(1, "{\"result\":{\"status\":200,\"output\":[{\"label\":\"a\",\"score\":0.5}]}}".getBytes());
                answer.setString(2, work.id());
                answer.execute();
            }
            try (Statement notify = other.createStatement()) {
                notify.execute("select pg_notify('inference', 'done " + work.id() + "')");
            }
            other.commit();
            return claimed;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void anUnclaimedRequestEndsAtItsDeadlineAndExpiredRowsAreSwept() throws Exception {
        Work work = work("nobody serves");
        long started = System.nanoTime();
        InferenceRouter.Outcome outcome = relay.relay(work, 400);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals(InferenceRouter.Stall.BUSY, outcome.stall());
        assertTrue(millis >= 350 && millis < 3000, "waited its time: " + millis + " ms");
        try (Connection other = db()) {
            assertEquals(0, count(other, work.id()), "the caller's instance deletes its row when the wait ends");

            // rows an instance left when it died mid-wait: claimed or not, nobody serves them and the sweep deletes them
            String expired = UUID.randomUUID().toString(), live = UUID.randomUUID().toString();
            try (PreparedStatement insert = other.prepareStatement("insert into inference_requests (id, model, work, origin, "
                    + "deadline, claimed_by) values (?, 'm@c', '{}', 'relay-test-crashed', now() + make_interval(secs => ?), 'relay-test-b')")) {
                insert.setString(1, expired);
                insert.setInt(2, -120);
                insert.execute();
                insert.setString(1, live);
                insert.setInt(2, 60);
                insert.execute();
            }
            assertTrue(relay.sweepExpired(60) >= 1);
            assertEquals(0, count(other, expired), "past its deadline and the grace: deleted");
            assertEquals(1, count(other, live), "still within its deadline: kept");
            delete(other, live);
        }
    }

    @Test
    void onlyAFreshMarkOfAnotherInstanceCountsAsServing() throws Exception {
        try (Connection other = db(); Statement s = other.createStatement()) {
            try {
                s.execute("insert into serving_instances (instance, seen_at) values ('relay-test-old', now() - interval '1 minute')");
                assertEquals(freshOthers(s), relay.othersServe(), "a stale mark is not serving");
                s.execute("insert into serving_instances (instance, seen_at) values ('relay-test-fresh', now())");
                assertTrue(relay.othersServe());
            } finally {
                s.execute("delete from serving_instances where instance like 'relay-test-%'");
            }
        }
    }

    /** Whether instances other than this test's marks are fresh (another class's hub would not mark: one process). */
    private boolean freshOthers(Statement s) throws Exception {
        try (ResultSet r = s.executeQuery("select count(*) as n from serving_instances where instance not like 'relay-test-%' "
                + "and instance <> '" + relay.instance() + "' and seen_at > now() - interval '15 seconds'")) {
            r.next();
            return r.getLong("n") > 0;
        }
    }

    private static String awaitNotification(Connection c, String payload, long millis) throws Exception {
        PGConnection pg = c.unwrap(PGConnection.class);
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            PGNotification[] got = pg.getNotifications((int) Math.max(1, deadline - System.currentTimeMillis()));
            if (got != null) {
                for (PGNotification n : got) {
                    if (n.getParameter().equals(payload)) {
                        return payload;
                    }
                }
            }
        }
        return null;
    }

    private static int count(Connection c, String id) throws Exception {
        try (PreparedStatement q = c.prepareStatement("select count(*) as n from inference_requests where id = ?")) {
            q.setString(1, id);
            try (ResultSet r = q.executeQuery()) {
                r.next();
                return r.getInt("n");
            }
        }
    }

    private static void delete(Connection c, String id) throws Exception {
        try (PreparedStatement d = c.prepareStatement("delete from inference_requests where id = ?")) {
            d.setString(1, id);
            d.execute();
        }
    }
}
