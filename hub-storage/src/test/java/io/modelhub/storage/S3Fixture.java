package io.modelhub.storage;

import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import io.modelhub.storage.blobs.BlobStoreConfig;
import io.modelhub.storage.blobs.S3BlobStore;
import io.modelhub.storage.s3.EmbeddedS3Server;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One real S3 server per test JVM, shared by all test classes; each store gets a bucket of its own, so tests do
 * not see each other's blobs.
 */
public final class S3Fixture {

    public static final String ACCESS_KEY = "modelhub-test";
    public static final String SECRET_KEY = "modelhub-test-secret";

    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static EmbeddedS3Server server;

    private S3Fixture() {
    }

    public static synchronized EmbeddedS3Server server() {
        if (server == null) {
            Path dir;
            try {
                dir = Files.createTempDirectory("modelhub-s3-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                server = EmbeddedS3Server.start(dir, 0, ACCESS_KEY, SECRET_KEY);
            } catch (Exception e) {
                deleteTree(dir);
                throw new IllegalStateException("could not start the embedded S3 server", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (Exception ignored) {
                    // the JVM is going away anyway
                }
                deleteTree(dir);
            }));
        }
        return server;
    }

    public static String newBucketName() {
        return "test-" + BUCKETS.incrementAndGet();
    }

    /** A store on the given bucket of the shared server; the bucket is created if missing. */
    public static S3BlobStore store(String bucket) {
        return new S3BlobStore(config(server().endpoint(), bucket));
    }

    /** A store on a fresh bucket of the shared server. */
    public static S3BlobStore newStore() {
        return store(newBucketName());
    }

    /** Every object key in the bucket, staged or not, as the raw S3 API lists it. */
    public static List<String> keys(String bucket) {
        try (MinioClient client = MinioClient.builder().endpoint(server().endpoint())
                .credentials(ACCESS_KEY, SECRET_KEY).region(BlobStoreConfig.DEFAULT_REGION).build()) {
            List<String> keys = new ArrayList<>();
            for (Result<Item> item : client.listObjects(
                    ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
                keys.add(item.get().objectName());
            }
            return keys;
        } catch (Exception e) {
            throw new IllegalStateException("could not list " + bucket, e);
        }
    }

    public static BlobStoreConfig config(String endpoint, String bucket) {
        return new BlobStoreConfig(endpoint, ACCESS_KEY, SECRET_KEY, bucket, null);
    }

    public static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
