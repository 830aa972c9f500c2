package io.modelhub.bench;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.FileChange;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.blobs.StoredBlob;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A 1 GiB file downloaded through the hub's resolve URL versus straight from the S3 server (a presigned GET),
 * on the same machine. Both stream into a counting sink; one warm-up round, then five each, median reported.
 */
@QuarkusTest
class DownloadBenchmark {
    static final long SIZE = 1024L * 1024 * 1024;
    static final int ROUNDS = 5;

    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    BlobStore store;
    @TestHTTPResource("/")
    URL base;

    @Test
    void oneGibThroughTheHubVersusStraightFromS3() throws Exception {
        long t0 = System.nanoTime();
        StoredBlob blob = store.put(new PatternStream(SIZE), SIZE);
        double uploadSeconds = (System.nanoTime() - t0) / 1e9;
        Viewer admin = admin();
        Repo repo = repos.create(admin, new RepoName(RepoType.MODEL, "admin", "download-bench"), false);
        commits.commit(repo, "main", null, List.of(FileChange.put("big.bin", blob)), "1 GiB", "", admin);

        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        String hubUrl = base + "admin/download-bench/resolve/main/big.bin";
        String s3Url = store.presignedGetUrl(blob.sha256(), Duration.ofHours(1));
        List<Double> hub = new ArrayList<>();
        List<Double> s3 = new ArrayList<>();
        download(http, hubUrl);
        download(http, s3Url);
        for (int i = 0; i < ROUNDS; i++) {
            hub.add(download(http, hubUrl));
            s3.add(download(http, s3Url));
        }
        double hubMedian = BenchmarkReport.percentile(hub, 50);
        double s3Median = BenchmarkReport.percentile(s3, 50);
        BenchmarkReport.line("download 1 GiB: store.put (sha256 + git sha1 while uploading) %.1f MiB/s", 1024 / uploadSeconds);
        BenchmarkReport.line("download 1 GiB: through the hub %.1f MiB/s (median of %d: %s s)", 1024 / hubMedian, ROUNDS, rounds(hub));
        BenchmarkReport.line("download 1 GiB: straight from S3 %.1f MiB/s (median of %d: %s s)", 1024 / s3Median, ROUNDS, rounds(s3));
        BenchmarkReport.line("download 1 GiB: hub / S3 throughput ratio %.2f", s3Median / hubMedian);
    }

    private static double download(HttpClient http, String url) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode(), url);
        long total = 0;
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = r.body()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
            }
        }
        assertEquals(SIZE, total);
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String rounds(List<Double> seconds) {
        return seconds.stream().map(s -> String.format(java.util.Locale.ROOT, "%.2f", s)).toList().toString();
    }

    @Transactional
    Viewer admin() {
        return Viewer.session(Account.findByUsername("admin").orElseThrow());
    }

    /** Pseudo-random bytes, generated on the fly: 1 GiB is never in memory. */
    static final class PatternStream extends InputStream {
        private final byte[] block = new byte[1 << 20];
        private long remaining;
        private int pos = block.length;
        private long counter;

        PatternStream(long size) {
            this.remaining = size;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (remaining == 0) {
                return -1;
            }
            if (pos == block.length) {
                new Random(counter++).nextBytes(block);
                pos = 0;
            }
            int n = (int) Math.min(Math.min(len, block.length - pos), remaining);
            System.arraycopy(block, pos, b, off, n);
            pos += n;
            remaining -= n;
            return n;
        }
    }
}
