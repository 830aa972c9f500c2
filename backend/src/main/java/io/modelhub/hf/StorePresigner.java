package io.modelhub.hf;

import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MinioAsyncClient;
import io.minio.http.Method;
import io.modelhub.platform.ModelHubConfig;
import io.modelhub.storage.blobs.BlobStore;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Presigned object-store URLs for clients. A SigV4 signature covers the host, so when clients reach the store at
 * another address than the hub does (modelhub.s3.public-endpoint) the URLs are signed for that address by a
 * client of its own; signing needs no connection, since the region is given.
 */
@ApplicationScoped
public class StorePresigner {
    @Inject
    BlobStore store;
    @Inject
    ModelHubConfig config;

    private volatile MinioAsyncClient publicClient;

    /** Object-store URLs are only handed out where clients can use them. */
    public String get(String sha256, Duration ttl) {
        MinioAsyncClient client = publicClient();
        if (client == null) {
            return store.presignedGetUrl(sha256, ttl);
        }
        // the store's documented layout (S3BlobStore): blobs/<first two hex digits>/<sha256>
        return presign(client, Method.GET, "blobs/" + sha256.substring(0, 2) + "/" + sha256, ttl, Map.of());
    }

    public String put(String stagingKey, Duration ttl) {
        MinioAsyncClient client = publicClient();
        return client == null ? store.presignedPutUrl(stagingKey, ttl) : presign(client, Method.PUT, stagingKey, ttl, Map.of());
    }

    public String part(String stagingKey, String uploadId, int partNumber, Duration ttl) {
        MinioAsyncClient client = publicClient();
        return client == null ? store.presignedPartUrl(stagingKey, uploadId, partNumber, ttl)
                : presign(client, Method.PUT, stagingKey, ttl, Map.of("uploadId", uploadId, "partNumber", Integer.toString(partNumber)));
    }

    private MinioAsyncClient publicClient() {
        if (config.s3().publicEndpoint().isEmpty()) {
            return null;
        }
        if (publicClient == null) {
            synchronized (this) {
                if (publicClient == null) {
                    ModelHubConfig.S3 s3 = config.s3();
                    publicClient = MinioAsyncClient.builder().endpoint(s3.publicEndpoint().get())
                            .credentials(s3.accessKey(), s3.secretKey()).region(s3.region()).build();
                }
            }
        }
        return publicClient;
    }

    private String presign(MinioAsyncClient client, Method method, String key, Duration ttl, Map<String, String> query) {
        try {
            return client.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(method)
                    .bucket(config.s3().bucket()).object(key).expiry((int) ttl.toSeconds(), TimeUnit.SECONDS)
                    .extraQueryParams(query).build());
        } catch (Exception e) {
            throw new IllegalStateException("Could not presign a URL for " + key + ": " + e.getMessage(), e);
        }
    }

    @PreDestroy
    void close() throws Exception {
        if (publicClient != null) {
            publicClient.close();
        }
    }
}
