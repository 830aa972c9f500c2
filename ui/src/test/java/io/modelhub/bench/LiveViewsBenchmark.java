package io.modelhub.bench;

import io.modelhub.contract.RunnerProtocol;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.testing.SimulatedRunner;
import io.modelhub.ui.testing.Browser;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WindowType;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What open job pages cost the database: 1, then 50 headless Chromium tabs on one running job, each measured
 * while nothing happens and while a runner (played over HTTP, as the agent does it) posts 5 metric points every
 * 100 ms, a log line and a heartbeat with its utilisation every second. The figure is PostgreSQL's own count of
 * committed transactions in the hub's database (pg_stat_database.xact_commit) per second over each window; the
 * writer's own requests are counted beside it.
 * <p>
 * {@code ./mvnw -B -ntp -Pbenchmark -pl ui -am test -Dtest=LiveViewsBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 */
@QuarkusTest
class LiveViewsBenchmark {
    private static final int PAGES = Integer.getInteger("bench.pages", 50);
    private static final long WINDOW_MILLIS = Long.getLong("bench.window-ms", 30_000);
    private static final Path REPORT = Path.of("target", "benchmarks.txt");

    @TestHTTPResource("/")
    URL base;

    @Test
    void databaseLoadOfOpenJobPages() throws Exception {
        SimulatedRunner runner = SimulatedRunner.register("bench-live-runner", 0);
        HubApi.model("bench-live-cnn").file("config.json", "{\"model_type\":\"modelhub-cnn\",\"architectures\":[\"ModelHubCnn\"]}").create();
        HubApi.dataset("bench-live-shapes").file("train/circle/1.png", new byte[]{1}).file("train/square/2.png", new byte[]{2})
                .file("test/circle/3.png", new byte[]{3}).file("test/square/4.png", new byte[]{4}).create();
        long jobId = HubApi.asAdmin().contentType("application/json").body(Map.of("recipe", SimulatedRunner.IMAGE,
                        "baseModel", "admin/bench-live-cnn", "dataset", "admin/bench-live-shapes", "priority", 1000))
                .post("/api/jobs").then().statusCode(201).extract().jsonPath().getLong("id");
        assertTrue(runner.claim(10) == jobId, "the benchmark's runner holds the job");

        Writer writer = new Writer(runner, jobId);
        Thread beats = new Thread(writer::heartbeats, "bench-heartbeats");
        beats.setDaemon(true);
        beats.start();
        try (Browser browser = new Browser(base); Connection db = DriverManager.getConnection(HubServicesResource.jdbcUrl(), "postgres", "")) {
            browser.signIn(HubServicesResource.ADMIN, HubServicesResource.ADMIN_PASSWORD);
            List<String> lines = new ArrayList<>();
            int open = 0;
            for (int pages : new int[] {1, PAGES}) {
                while (open < pages) {
                    if (open > 0) {
                        browser.driver().switchTo().newWindow(WindowType.TAB);
                    }
                    browser.open("/jobs/" + jobId);
                    browser.waitFor(By.id("job-state"));
                    open++;
                }
                Thread.sleep(3000); // the loads of opening the pages
                lines.add(measure(db, writer, pages, false));
                lines.add(measure(db, writer, pages, true));
            }
            String shown = browser.driver().findElement(By.id("job-logs")).getText();
            assertTrue(shown.contains("bench log line"), "the last tab shows the writer's log lines");
            report(lines);
        } finally {
            writer.stop.set(true);
            writer.done.set(true);
        }
    }

    private String measure(Connection db, Writer writer, int pages, boolean writing) throws Exception {
        Thread posting = null;
        if (writing) {
            writer.stop.set(false);
            posting = new Thread(writer::post, "bench-writer");
            posting.start();
        }
        long requests0 = writer.requests.get();
        long commits0 = commits(db);
        long t0 = System.nanoTime();
        Thread.sleep(WINDOW_MILLIS);
        long commits1 = commits(db);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long requests = writer.requests.get() - requests0;
        if (posting != null) {
            writer.stop.set(true);
            posting.join();
        }
        return String.format(Locale.ROOT, "| %d | %s | %.1f | %.1f |", pages, writing ? "metrics 10/s, log 1/s, heartbeat 1/s" : "heartbeat 1/s only",
                (commits1 - commits0) / seconds, requests / seconds);
    }

    /** Transactions committed in the hub's database so far (PostgreSQL flushes each backend's counts about once a second). */
    private static long commits(Connection db) throws SQLException {
        try (var st = db.createStatement()) {
            st.execute("select pg_stat_clear_snapshot()");
            try (ResultSet rs = st.executeQuery("select xact_commit from pg_stat_database where datname = current_database()")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void report(List<String> lines) throws IOException {
        List<String> out = new ArrayList<>();
        out.add("LiveViewsBenchmark (" + WINDOW_MILLIS / 1000 + " s windows): | open job pages | writer | DB commits/s | writer requests/s |");
        out.addAll(lines);
        out.forEach(System.out::println);
        Files.createDirectories(REPORT.getParent());
        Files.write(REPORT, out, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** A runner at work, over HTTP: metrics every 100 ms, a log line every second, heartbeats with utilisation. */
    private static final class Writer {
        final SimulatedRunner runner;
        final long jobId;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicLong requests = new AtomicLong();
        long step;

        Writer(SimulatedRunner runner, long jobId) {
            this.runner = runner;
            this.jobId = jobId;
        }

        void post() {
            while (!stop.get()) {
                List<RunnerProtocol.MetricPoint> points = new ArrayList<>();
                step++;
                for (String name : List.of("loss", "lr", "grad_norm", "throughput", "accuracy")) {
                    points.add(new RunnerProtocol.MetricPoint(step, name, 1.0 / step));
                }
                runner.metrics(jobId, points).then().statusCode(204);
                requests.incrementAndGet();
                if (step % 10 == 0) {
                    SimulatedRunner.as(runner.credential()).contentType("application/json")
                            .body(new RunnerProtocol.LogLines(List.of("bench log line at step " + step)))
                            .post(runner.lease(RunnerProtocol.LOGS, jobId)).then().statusCode(204);
                    requests.incrementAndGet();
                }
                sleep(100);
            }
        }

        /** Always on, writing or not: the lease must not expire (4 s in tests). */
        void heartbeats() {
            while (!done.get()) {
                SimulatedRunner.as(runner.credential()).contentType("application/json")
                        .body(new RunnerProtocol.Heartbeat(jobId, runner.attempt(jobId), Map.of("cpu", 0.5, "memoryUsedBytes", 1L << 30)))
                        .post(RunnerProtocol.ROOT + RunnerProtocol.HEARTBEAT.replace("{runner}", Long.toString(runner.id())))
                        .then().statusCode(200);
                requests.incrementAndGet();
                sleep(1000);
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
