package io.modelhub.blobs;

import io.modelhub.platform.ApiException;
import io.modelhub.platform.ModelHubConfig;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.blobs.BlobStoreConfig;
import io.modelhub.storage.blobs.S3BlobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

/**
 * The one object-store client of the hub, chosen by modelhub.blobs.store: on the S3 API (MinIO in production, S3Proxy
 * embedded). Nothing else in the hub builds a store client or knows where in the store an object lives.
 */
@ApplicationScoped
public class BlobStoreProducer {

    @Produces
    @ApplicationScoped
    BlobStore blobStore(ModelHubConfig config) {
        String kind = config.blobs().store();
        if (!kind.equals("s3")) {
            throw new IllegalStateException("Unknown blob store \"" + kind + "\" (modelhub.blobs.store); the one offered is s3");
        }
        ModelHubConfig.S3 s3 = config.s3();
        String endpoint = s3.endpoint().orElseThrow(() -> new ApiException(500, null,
                "No object store configured: set MODELHUB_S3_ENDPOINT (or start through the launcher, which embeds one)"));
        return new S3BlobStore(new BlobStoreConfig(endpoint, s3.accessKey(), s3.secretKey(), s3.bucket(), s3.region(),
                s3.publicEndpoint().orElse(null)));
    }

    void close(@Disposes BlobStore store) throws Exception {
        store.close();
    }
}
