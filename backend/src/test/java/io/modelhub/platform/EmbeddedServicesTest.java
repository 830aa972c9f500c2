package io.modelhub.platform;

import io.modelhub.storage.blobs.BlobStoreConfig;
import io.modelhub.storage.blobs.S3BlobStore;
import io.modelhub.storage.blobs.StoredBlob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded defaults keep their data in one folder: a restart finds rows and objects again. */
class EmbeddedServicesTest {

    @Test
    void dataSurvivesARestart(@TempDir Path dir) throws Exception {
        byte[] bytes = "kept across restarts".getBytes(StandardCharsets.UTF_8);
        String sha256;
        try (EmbeddedServices first = EmbeddedServices.start(dir, true, true)) {
            try (Connection c = connect(first)) {
                c.createStatement().execute("create table kept (v text)");
                c.createStatement().execute("insert into kept values ('hello')");
            }
            try (S3BlobStore store = store(first)) {
                StoredBlob blob = store.put(new ByteArrayInputStream(bytes), bytes.length);
                sha256 = blob.sha256();
            }
        }
        try (EmbeddedServices second = EmbeddedServices.start(dir, true, true)) {
            try (Connection c = connect(second); ResultSet rs = c.createStatement().executeQuery("select v from kept")) {
                assertTrue(rs.next());
                assertEquals("hello", rs.getString(1));
            }
            try (S3BlobStore store = store(second); InputStream in = store.open(sha256, 0, -1)) {
                assertEquals("kept across restarts", new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }

    private static Connection connect(EmbeddedServices services) throws Exception {
        return DriverManager.getConnection(services.jdbcUrl(), "postgres", "");
    }

    private static S3BlobStore store(EmbeddedServices services) {
        var c = services.config();
        return new S3BlobStore(new BlobStoreConfig(c.get("modelhub.s3.endpoint"), c.get("modelhub.s3.access-key"),
                c.get("modelhub.s3.secret-key"), "restart-test", "us-east-1"));
    }
}
