package io.modelhub.bench;

import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.blobs.CompletedPart;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A 1 GiB LFS upload over the Hugging Face API (batch, multipart part PUTs to hub-signed URLs, completion with
 * the sha256 check, commit) versus a straight S3 multipart upload of the same file to the same store (presigned
 * part URLs, complete). Both send 64 MiB parts, 5 at a time, as @huggingface/hub does, from a file on disk.
 */
@QuarkusTest
@TestProfile(LfsUploadBenchmark.Production.class)
class LfsUploadBenchmark {
    static final long SIZE = 1024L * 1024 * 1024;
    static final long CHUNK = 64L * 1024 * 1024;
    /** 5 as @huggingface/hub sends them; -Dbench.lfs.parallel=1 sends them one after the other, as huggingface_hub does. */
    static final int PARALLEL = Integer.getInteger("bench.lfs.parallel", 5);
    static final int ROUNDS = 3;

    /** The production limits (the tests cap files at 64 MiB and use 5 MiB parts). */
    public static class Production implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(HubServicesResource.class, Map.of(
                    "modelhub.upload.max-file-bytes", String.valueOf(100L << 30),
                    "modelhub.lfs.chunk-size", String.valueOf(CHUNK))));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @Inject
    BlobStore store;
    @TestHTTPResource("/")
    URL base;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ExecutorService pool = Executors.newFixedThreadPool(PARALLEL);

    @Test
    void oneGibOverTheHfApiVersusStraightS3() throws Exception {
        Path file = Files.createTempFile("lfs-bench", ".bin");
        try {
            try (InputStream in = new DownloadBenchmark.PatternStream(SIZE); OutputStream out = Files.newOutputStream(file)) {
                in.transferTo(out);
            }
            HubApi.model("lfs-upload-bench").create();
            List<Double> hf = new ArrayList<>();
            List<Double> hfParts = new ArrayList<>();
            List<Double> hfComplete = new ArrayList<>();
            List<Double> s3 = new ArrayList<>();
            List<Double> s3Complete = new ArrayList<>();
            List<Double> hashing = new ArrayList<>();
            for (int round = 0; round <= ROUNDS; round++) {
                // a new first block each round: the same content would be deduplicated (no upload at all)
                stamp(file, round);
                long h0 = System.nanoTime();
                String oid = sha256(file);
                double hashSeconds = (System.nanoTime() - h0) / 1e9;
                double[] viaHf = overHfApi(file, oid, round);
                double[] viaS3 = straightS3(file);
                if (round > 0) {
                    hf.add(viaHf[0]);
                    hfParts.add(viaHf[1]);
                    hfComplete.add(viaHf[2]);
                    s3.add(viaS3[0]);
                    s3Complete.add(viaS3[1]);
                    hashing.add(hashSeconds);
                }
            }
            double hfMedian = BenchmarkReport.percentile(hf, 50);
            double s3Median = BenchmarkReport.percentile(s3, 50);
            BenchmarkReport.line("lfs upload 1 GiB: over the HF API %.1f MiB/s (median of %d: %s s; parts %s s, completion %s s)",
                    1024 / hfMedian, ROUNDS, rounds(hf), rounds(hfParts), rounds(hfComplete));
            BenchmarkReport.line("lfs upload 1 GiB: straight S3 multipart %.1f MiB/s (median of %d: %s s; completion %s s)",
                    1024 / s3Median, ROUNDS, rounds(s3), rounds(s3Complete));
            BenchmarkReport.line("lfs upload 1 GiB: HF API / S3 throughput ratio %.2f (%d parts at a time)", s3Median / hfMedian, PARALLEL);
            BenchmarkReport.line("lfs upload 1 GiB: client-side sha256 (not in either figure) %.1f MiB/s",
                    1024 / BenchmarkReport.percentile(hashing, 50));
        } finally {
            pool.shutdownNow();
            Files.deleteIfExists(file);
        }
    }

    /**
     * Batch, parts to the hub (hashed in order on the way, straight into a multipart upload at the content address),
     * completion (the running hash checked, the parts joined), commit.
     */
    private double[] overHfApi(Path file, String oid, int round) throws Exception {
        long t0 = System.nanoTime();
        JsonPath batch = HubApi.asAdmin().header("Accept", "application/vnd.git-lfs+json").contentType("application/vnd.git-lfs+json")
                .body(Map.of("operation", "upload", "transfers", List.of("basic", "multipart"), "hash_algo", "sha_256",
                        "objects", List.of(Map.of("oid", oid, "size", SIZE))))
                .post("/admin/lfs-upload-bench.git/info/lfs/objects/batch").then().statusCode(200).extract().jsonPath();
        Map<String, String> header = batch.getMap("objects[0].actions.upload.header");
        assertEquals(String.valueOf(CHUNK), header.get("chunk_size"));
        TreeMap<Integer, String> urls = new TreeMap<>();
        header.forEach((k, v) -> {
            if (k.matches("[0-9]+")) {
                urls.put(Integer.parseInt(k), v);
            }
        });
        List<CompletedPart> parts = putParts(file, urls);
        long t1 = System.nanoTime();
        StringBuilder completion = new StringBuilder("{\"oid\":\"" + oid + "\",\"parts\":[");
        for (CompletedPart p : parts) {
            completion.append(p.partNumber() == 1 ? "" : ",").append("{\"partNumber\":").append(p.partNumber())
                    .append(",\"etag\":\"").append(p.etag().replace("\"", "\\\"")).append("\"}");
        }
        completion.append("]}");
        HttpResponse<String> done = http.send(HttpRequest.newBuilder(URI.create(batch.getString("objects[0].actions.upload.href")))
                .POST(HttpRequest.BodyPublishers.ofString(completion.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, done.statusCode(), done.body());
        long t2 = System.nanoTime();
        HubApi.commitTo("model", "admin/lfs-upload-bench").summary("round " + round).lfsPointer("big-" + round + ".bin", oid, SIZE)
                .post().then().statusCode(200);
        long t3 = System.nanoTime();
        return new double[]{(t3 - t0) / 1e9, (t1 - t0) / 1e9, (t2 - t1) / 1e9};
    }

    /** The same parts straight to S3 (presigned UploadPart URLs), then CompleteMultipartUpload. */
    private double[] straightS3(Path file) throws Exception {
        long t0 = System.nanoTime();
        String key = store.newStagingKey();
        String uploadId = store.startMultipart(key);
        TreeMap<Integer, String> urls = new TreeMap<>();
        for (int n = 1; n <= (SIZE + CHUNK - 1) / CHUNK; n++) {
            urls.put(n, store.presignedPartUrl(key, uploadId, n, Duration.ofHours(1)));
        }
        List<CompletedPart> parts = putParts(file, urls);
        long t1 = System.nanoTime();
        store.completeMultipart(key, uploadId, parts);
        long t2 = System.nanoTime();
        store.abortMultipart(key, uploadId);
        return new double[]{(t2 - t0) / 1e9, (t2 - t1) / 1e9};
    }

    private List<CompletedPart> putParts(Path file, TreeMap<Integer, String> urls) throws Exception {
        List<Future<CompletedPart>> futures = new ArrayList<>();
        for (var e : urls.entrySet()) {
            futures.add(pool.submit(() -> {
                long from = (e.getKey() - 1) * CHUNK;
                long length = Math.min(CHUNK, SIZE - from);
                HttpRequest request = HttpRequest.newBuilder(URI.create(e.getValue()))
                        .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> slice(file, from, length)), length))
                        .build();
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                return new CompletedPart(e.getKey(), r.headers().firstValue("ETag").orElseThrow());
            }));
        }
        List<CompletedPart> parts = new ArrayList<>();
        for (Future<CompletedPart> f : futures) {
            parts.add(f.get());
        }
        return parts;
    }

    private static InputStream slice(Path file, long from, long length) {
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            ch.position(from);
            InputStream in = Channels.newInputStream(ch);
            return new java.io.FilterInputStream(in) {
                long left = length;

                @Override
                public int read(byte[] b, int off, int len) throws java.io.IOException {
                    if (left == 0) {
                        return -1;
                    }
                    int n = super.read(b, off, (int) Math.min(len, left));
                    if (n > 0) {
                        left -= n;
                    }
                    return n;
                }
            };
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void stamp(Path file, int round) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).putLong(System.nanoTime() + round).array());
        }
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                md.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String rounds(List<Double> seconds) {
        return seconds.stream().map(s -> String.format(Locale.ROOT, "%.2f", s)).toList().toString();
    }
}
