package io.modelhub.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.storage.S3Fixture;
import io.modelhub.storage.TestData;
import io.modelhub.storage.blobs.BlobStoreConfig;
import io.modelhub.storage.blobs.S3BlobStore;
import io.modelhub.storage.blobs.StoredBlob;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedS3ServerTest {

    @TempDir
    Path dataDir;

    @Test
    void blobsSurviveARestartOnTheSameDirectory() throws Exception {
        StoredBlob blob;
        try (EmbeddedS3Server server = start();
                S3BlobStore store = new S3BlobStore(S3Fixture.config(server.endpoint(), "models"))) {
            assertEquals("http://127.0.0.1:" + server.port(), server.endpoint());
            assertTrue(server.port() > 0);
            blob = store.put(TestData.stream(41, 70_000), 70_000);
        }

        try (EmbeddedS3Server server = start();
                S3BlobStore store = new S3BlobStore(S3Fixture.config(server.endpoint(), "models"))) {
            assertEquals(70_000, store.size(blob.sha256()));
            assertEquals(blob.sha256(), TestData.sha256(store.open(blob.sha256(), 0, -1)));
        }
    }

    @Test
    void requestsSignedWithOtherKeysAreRefused() throws Exception {
        try (EmbeddedS3Server server = start()) {
            BlobStoreConfig wrongSecret = new BlobStoreConfig(server.endpoint(), S3Fixture.ACCESS_KEY, "not-the-secret",
                    "models", null);

            assertThrows(UncheckedIOException.class, () -> new S3BlobStore(wrongSecret));
        }
    }

    /**
     * Thousands of small uploads, as {@code upload_folder} sends an imagefolder through the hub: each one a staging
     * put and a staging delete, so the staging directory keeps emptying (and S3Proxy's filesystem store removing
     * it) while other puts are about to write into it. Four clients at a time is where S3Proxy alone fails most
     * often: 11 and 28 of 6,000 puts in two runs here, none with the retries (measured 2026-12-07).
     */
    @Test
    void thousandsOfSmallPutsAndDeletesInOneDirectoryAllSucceed() throws Exception {
        int files = 4_000;
        try (EmbeddedS3Server server = start()) {
            MinioClient s3 = MinioClient.builder().endpoint(server.endpoint())
                    .credentials(S3Fixture.ACCESS_KEY, S3Fixture.SECRET_KEY).region("us-east-1").build();
            s3.makeBucket(MakeBucketArgs.builder().bucket("models").build());
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> uploads = new ArrayList<>();
                for (int i = 0; i < files; i++) {
                    uploads.add(pool.submit(() -> {
                        String key = "staging/" + UUID.randomUUID();
                        s3.putObject(PutObjectArgs.builder().bucket("models").object(key)
                                .stream(new ByteArrayInputStream(new byte[260]), 260, -1).build());
                        s3.removeObject(RemoveObjectArgs.builder().bucket("models").object(key).build());
                        return null;
                    }));
                }
                List<String> failures = new ArrayList<>();
                for (Future<?> upload : uploads) {
                    try {
                        upload.get();
                    } catch (ExecutionException e) {
                        failures.add(String.valueOf(e.getCause()));
                    }
                }
                assertEquals(List.of(), failures.subList(0, Math.min(3, failures.size())),
                        failures.size() + " of " + files + " puts failed");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private EmbeddedS3Server start() throws Exception {
        return EmbeddedS3Server.start(dataDir, 0, S3Fixture.ACCESS_KEY, S3Fixture.SECRET_KEY);
    }
}
