package io.modelhub.storage.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.storage.S3Fixture;
import io.modelhub.storage.TestData;
import io.modelhub.storage.blobs.BlobStoreConfig;
import io.modelhub.storage.blobs.S3BlobStore;
import io.modelhub.storage.blobs.StoredBlob;
import java.io.UncheckedIOException;
import java.nio.file.Path;
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

    private EmbeddedS3Server start() throws Exception {
        return EmbeddedS3Server.start(dataDir, 0, S3Fixture.ACCESS_KEY, S3Fixture.SECRET_KEY);
    }
}
