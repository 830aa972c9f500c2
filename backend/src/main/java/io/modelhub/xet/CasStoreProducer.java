package io.modelhub.xet;

import io.modelhub.platform.ApiException;
import io.modelhub.platform.ModelHubConfig;
import io.modelhub.storage.blobs.BlobStoreConfig;
import io.modelhub.storage.xet.CasStore;
import io.modelhub.storage.xet.S3CasStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

/** Xorbs and shards in the same bucket as the blobs (under xet/). */
@ApplicationScoped
public class CasStoreProducer {

    @Produces
    @ApplicationScoped
    CasStore casStore(ModelHubConfig config) {
        ModelHubConfig.S3 s3 = config.s3();
        String endpoint = s3.endpoint().orElseThrow(() -> new ApiException(500, null,
                "No object store configured: set MODELHUB_S3_ENDPOINT (or start through the launcher, which embeds one)"));
        return new S3CasStore(new BlobStoreConfig(endpoint, s3.accessKey(), s3.secretKey(), s3.bucket(), s3.region()));
    }

    void close(@Disposes CasStore store) {
        store.close();
    }
}
