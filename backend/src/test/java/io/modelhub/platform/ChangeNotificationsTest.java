package io.modelhub.platform;

import io.modelhub.contract.RunnerProtocol;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.testing.SimulatedRunner;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The instance's one listening connection hears what any connection to the database notifies (another hub
 * instance, here a plain JDBC connection), and the writes the live pages show publish their topics on commit,
 * one notification per transaction however many rows it wrote.
 */
@QuarkusTest
class ChangeNotificationsTest {
    @Inject
    ChangeNotifications notifications;

    static final BlockingQueue<String> heard = new LinkedBlockingQueue<>();
    static boolean listening;

    @BeforeEach
    void listen() {
        if (!listening) {
            listening = true;
            notifications.listen(ChangeNotifications.CHANGES, heard::add);
        }
        heard.clear();
    }

    @Test
    void aNotificationFromAnotherConnectionReachesTheListener() throws Exception {
        try (Connection other = DriverManager.getConnection(HubServicesResource.jdbcUrl(), "postgres", "")) {
            other.setAutoCommit(false);
            try (PreparedStatement notify = other.prepareStatement("select pg_notify('changes', ?)")) {
                notify.setString(1, "job:-42");
                notify.execute();
            }
            // PostgreSQL delivers on commit: nothing before
            assertEquals(null, await("job:-42", 300));
            long committed = System.nanoTime();
            other.commit();
            assertEquals("job:-42", await("job:-42", 2000));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - committed);
            assertTrue(millis < 1000, "heard " + millis + " ms after the commit");
        }
    }

    @Test
    void runnerWritesPublishTheJobOncePerTransaction() throws Exception {
        SimulatedRunner runner = SimulatedRunner.register("notify-runner", 0);
        HubApi.model("notify-base-cnn").file("config.json", "{\"model_type\":\"modelhub-cnn\",\"architectures\":[\"ModelHubCnn\"]}").create();
        HubApi.dataset("notify-shapes").file("train/circle/1.png", new byte[]{1}).file("train/square/2.png", new byte[]{2})
                .file("test/circle/3.png", new byte[]{3}).file("test/square/4.png", new byte[]{4}).create();
        assertEquals(ChangeNotifications.RUNNERS, await(ChangeNotifications.RUNNERS, 2000), "registration");

        long jobId = HubApi.asAdmin().contentType("application/json").body(Map.of("recipe", SimulatedRunner.IMAGE,
                        "baseModel", "admin/notify-base-cnn", "dataset", "admin/notify-shapes", "priority", 1000))
                .post("/api/jobs").then().statusCode(201).extract().jsonPath().getLong("id");
        assertEquals(ChangeNotifications.JOBS, await(ChangeNotifications.JOBS, 2000), "submit");
        Long claimed = runner.claim(5);
        assertEquals(jobId, claimed);
        String topic = ChangeNotifications.job(jobId);
        assertEquals(topic, await(topic, 2000), "claimed: the job changed state");
        Thread.sleep(300);
        heard.clear();

        List<RunnerProtocol.MetricPoint> points = IntStream.range(0, 50)
                .mapToObj(i -> new RunnerProtocol.MetricPoint(i, "loss", 1.0 / (i + 1))).toList();
        runner.metrics(jobId, points).then().statusCode(204);
        assertEquals(topic, await(topic, 2000), "metrics posted");
        Thread.sleep(500);
        assertTrue(heard.stream().noneMatch(topic::equals), "50 points in one post are one notification: " + heard);
        // ended here: left running, its lease would expire and requeue it at priority 1000 for the next class's runner
        runner.fail(jobId, "test over", false).then().statusCode(204);
    }

    /** The next notification of {@code topic}, skipping others (other tests write too), or null after the wait. */
    private static String await(String topic, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        for (long left = millis; left > 0; left = deadline - System.currentTimeMillis()) {
            String next = heard.poll(left, TimeUnit.MILLISECONDS);
            if (topic.equals(next)) {
                return next;
            }
        }
        return null;
    }
}
