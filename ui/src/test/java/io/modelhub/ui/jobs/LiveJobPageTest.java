package io.modelhub.ui.jobs;

import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.platform.ChangeNotifications;
import io.modelhub.testing.SimulatedRunner;
import io.modelhub.ui.testing.Browser;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.net.URL;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A job page follows its job through PostgreSQL notifications: a write made by another connection (as another hub
 * instance makes it: plain SQL, then NOTIFY) reaches the open page within about a second; while nothing changes
 * the page reads nothing; a burst of writes is folded into a few reloads.
 */
@QuarkusTest
class LiveJobPageTest {
    @TestHTTPResource("/")
    URL base;
    @Inject
    LiveUpdates live;
    Browser browser;
    static long jobId;

    @BeforeEach
    void start() throws Exception {
        if (jobId == 0) {
            SimulatedRunner.register("live-page-recipes", 0);
            HubApi.model("live-page-cnn").file("config.json", "{\"model_type\":\"modelhub-cnn\",\"architectures\":[\"ModelHubCnn\"]}").create();
            HubApi.dataset("live-page-shapes").file("train/circle/1.png", new byte[]{1}).file("train/square/2.png", new byte[]{2})
                    .file("test/circle/3.png", new byte[]{3}).file("test/square/4.png", new byte[]{4}).create();
            // queued, and nobody claims it: only this test writes to it
            jobId = HubApi.asAdmin().contentType("application/json").body(Map.of("recipe", SimulatedRunner.IMAGE,
                            "baseModel", "admin/live-page-cnn", "dataset", "admin/live-page-shapes", "labels", java.util.List.of("nobody-has-this")))
                    .post("/api/jobs").then().statusCode(201).extract().jsonPath().getLong("id");
        }
        browser = new Browser(base);
        browser.signIn(HubServicesResource.ADMIN, HubServicesResource.ADMIN_PASSWORD);
        browser.open("/jobs/" + jobId);
        browser.waitFor(By.id("job-state"));
    }

    @AfterEach
    void stop() {
        browser.close();
    }

    @Test
    void aWriteByAnotherConnectionReachesTheOpenPageWithinASecond() throws Exception {
        String line = "written by another instance " + System.nanoTime();
        long committed;
        try (Connection other = connect()) {
            insertLog(other, line);
            notifyJob(other);
            committed = System.nanoTime();
            other.commit();
        }
        long shownAfter = -1;
        while (System.nanoTime() - committed < 5_000_000_000L) {
            if (browser.driver().findElement(By.id("job-logs")).getText().contains(line)) {
                shownAfter = (System.nanoTime() - committed) / 1_000_000;
                break;
            }
            Thread.sleep(20);
        }
        assertTrue(shownAfter >= 0, "the line never reached the page");
        System.out.println("LiveJobPageTest: shown " + shownAfter + " ms after the other connection's commit");
        assertTrue(shownAfter < 1500, "shown " + shownAfter + " ms after the commit");
    }

    @Test
    void anUnchangedPageReadsNothingAndABurstIsFoldedIntoFewReloads() throws Exception {
        Thread.sleep(1000); // the loads of opening the page
        long before = live.loads(ChangeNotifications.job(jobId));
        Thread.sleep(3000);
        assertEquals(before, live.loads(ChangeNotifications.job(jobId)), "no load while nothing changed");

        // a runner posting 25 times in 1.25 s, each post its own transaction and notification
        long start = System.nanoTime();
        try (Connection other = connect()) {
            for (int step = 1; step <= 25; step++) {
                try (PreparedStatement insert = other.prepareStatement(
                        "insert into job_metrics (job_id, attempt, step, name, value) values (?, 0, ?, 'loss', ?)")) {
                    insert.setLong(1, jobId);
                    insert.setLong(2, step);
                    insert.setDouble(3, 1.0 / step);
                    insert.executeUpdate();
                }
                notifyJob(other);
                other.commit();
                Thread.sleep(50);
            }
        }
        long burstMillis = (System.nanoTime() - start) / 1_000_000;
        browser.waitUntil(d -> d.findElements(By.cssSelector("#loss-chart circle.point")).size() >= 25, Duration.ofSeconds(5));
        Thread.sleep(LiveUpdates.MIN_INTERVAL_MILLIS * 2);
        long reloads = live.loads(ChangeNotifications.job(jobId)) - before;
        // the earlier test's page of this job may still be attached (a closed browser's UI lives until its session ends)
        long pages = live.following(ChangeNotifications.job(jobId));
        System.out.println("LiveJobPageTest: 25 notifications in " + burstMillis + " ms -> " + reloads + " reloads of "
                + pages + " page(s)");
        assertTrue(reloads >= 1 && reloads <= pages * (burstMillis / LiveUpdates.MIN_INTERVAL_MILLIS + 2),
                reloads + " reloads of " + pages + " page(s) for 25 notifications in " + burstMillis + " ms");
    }

    private static Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(HubServicesResource.jdbcUrl(), "postgres", "");
        c.setAutoCommit(false);
        return c;
    }

    private static void insertLog(Connection c, String line) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement("insert into job_logs (job_id, attempt, line) values (?, 0, ?)")) {
            insert.setLong(1, jobId);
            insert.setString(2, line);
            insert.executeUpdate();
        }
    }

    private static void notifyJob(Connection c) throws SQLException {
        try (PreparedStatement notify = c.prepareStatement("select pg_notify('changes', ?)")) {
            notify.setString(1, "job:" + jobId);
            notify.execute();
        }
    }
}
