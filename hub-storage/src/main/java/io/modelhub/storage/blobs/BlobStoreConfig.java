package io.modelhub.storage.blobs;

import java.util.Objects;

/**
 * Where the blobs live: an S3 endpoint, its credentials and one bucket.
 *
 * @param endpoint  base URL of the S3 API, e.g. {@code http://127.0.0.1:9000}; presigned URLs use this host,
 *                  so it must be the address that clients can reach
 * @param region    signing region; blank means {@code us-east-1}, which S3-compatible servers accept
 * @param publicEndpoint the store's address as clients reach it when it differs from {@code endpoint} (a SigV4
 *                  signature covers the host, so presigned URLs are signed for this one); null or blank: the same
 */
public record BlobStoreConfig(String endpoint, String accessKey, String secretKey, String bucket, String region,
                              String publicEndpoint) {

    public static final String DEFAULT_REGION = "us-east-1";

    public BlobStoreConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(accessKey, "accessKey");
        Objects.requireNonNull(secretKey, "secretKey");
        Objects.requireNonNull(bucket, "bucket");
        if (region == null || region.isBlank()) {
            region = DEFAULT_REGION;
        }
        if (publicEndpoint != null && publicEndpoint.isBlank()) {
            publicEndpoint = null;
        }
    }

    /** Clients reach the store where the hub does. */
    public BlobStoreConfig(String endpoint, String accessKey, String secretKey, String bucket, String region) {
        this(endpoint, accessKey, secretKey, bucket, region, null);
    }

    /** The secret stays out of logs. */
    @Override
    public String toString() {
        return "BlobStoreConfig[endpoint=" + endpoint + ", accessKey=" + accessKey + ", bucket=" + bucket
                + ", region=" + region + (publicEndpoint == null ? "" : ", publicEndpoint=" + publicEndpoint) + "]";
    }
}
