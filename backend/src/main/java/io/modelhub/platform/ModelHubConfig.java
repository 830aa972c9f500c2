package io.modelhub.platform;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/**
 * Every setting of the hub. Each key also reads from its environment variable (MODELHUB_S3_ENDPOINT for
 * modelhub.s3.endpoint, ...), which is how the README documents them.
 */
@ConfigMapping(prefix = "modelhub")
public interface ModelHubConfig {

    /** Folder for the embedded database and object store, and anything else the hub keeps on disk. */
    @WithDefault("data")
    String data();

    /** Base URL clients reach the hub at; generated URLs (HF clients' commitUrl, snippets) start with it. */
    Optional<String> publicUrl();

    S3 s3();

    Admin admin();

    Upload upload();

    Lfs lfs();

    Xet xet();

    Jobs jobs();

    Blobs blobs();

    LocalRunner localRunner();

    Demo demo();

    Metrics metrics();

    /** Prometheus scraping of /q/metrics (io.modelhub.platform.MetricsAccess). */
    interface Metrics {
        /**
         * The Bearer token a scraper sends (MODELHUB_METRICS_TOKEN). Unset, /q/metrics answers 404 to everyone:
         * the metrics name repositories' owners' runners and recipes, so they are never open by default.
         */
        Optional<String> token();
    }

    /** The demo catalog: generated datasets and the models the local runner trains from them (io.modelhub.demo). */
    interface Demo {
        /** Builds it once, on the first start that has it enabled; the launcher turns it on (MODELHUB_DEMO=false: off). */
        @WithDefault("false")
        boolean enabled();
    }

    /** The runner the launcher starts beside an embedded hub, so a fresh install can train at once. */
    interface LocalRunner {
        @WithDefault("false")
        boolean enabled();

        /** The runner agent's jar; the default is where the build puts it, relative to the repository root. */
        @WithDefault("gpu-runners/target/gpu-runners-runner.jar")
        String jar();
    }

    interface Jobs {
        /** How long a claimed job stays with its runner without a heartbeat. */
        @WithDefault("30")
        int leaseSeconds();

        /** How often expired leases are looked for. */
        @WithDefault("5s")
        String leaseCheck();
    }

    /** The blob collector (io.modelhub.blobs.BlobCollector). */
    interface Blobs {
        /**
         * Which BlobStore implementation holds the blobs (io.modelhub.blobs.BlobStoreProducer): {@code s3}, any S3
         * server, configured under modelhub.s3.
         */
        @WithDefault("s3")
        String store();

        /** How often one hub instance (of all on the database) sweeps the store for unreferenced blobs. */
        @WithDefault("1h")
        java.time.Duration gcEvery();

        /** How long after start an instance's first sweep may come. */
        @WithDefault("10m")
        String gcDelay();
    }

    interface S3 {
        Optional<String> endpoint();

        @WithDefault("modelhub")
        String accessKey();

        @WithDefault("modelhub-secret")
        String secretKey();

        @WithDefault("modelhub")
        String bucket();

        @WithDefault("us-east-1")
        String region();

        /**
         * The store's address as clients reach it, when it differs from {@link #endpoint()} (which the hub uses);
         * presigned URLs handed to clients are signed for this host.
         */
        Optional<String> publicEndpoint();
    }

    interface Admin {
        @WithDefault("admin")
        String username();

        Optional<String> password();

        Optional<String> token();
    }

    interface Upload {
        /** Largest single file accepted, in bytes (default 100 GiB); also the cap of a streamed upload's body. */
        @WithDefault("107374182400")
        long maxFileBytes();

        /** Largest JSON (or form) request body of any API call, in bytes (default 16 MiB); see {@link BodyLimit}. */
        @WithDefault("16777216")
        long maxJsonBytes();

        /**
         * Largest NDJSON commit body, in bytes (default 1 GiB): its inline files are spooled to disk as they are read;
         * larger files go through LFS.
         */
        @WithDefault("1073741824")
        long maxCommitBytes();
    }

    /** Large-file (LFS) transfers of the Hugging Face clients. */
    interface Lfs {
        /**
         * Hand clients presigned object-store URLs instead of hub URLs for uploads, so the bytes bypass the hub;
         * only for stores that clients can reach (see {@link S3#publicEndpoint()}).
         */
        @WithDefault("false")
        boolean directUpload();

        /** Answer downloads of LFS files with a redirect to a presigned object-store URL. */
        @WithDefault("false")
        boolean redirectDownloads();

        /** Part size offered to clients for multipart uploads (at least 5 MiB, S3's minimum). */
        @WithDefault("67108864")
        long chunkSize();

        /**
         * How long upload URLs stay valid; no longer than the blob collector's grace for staged uploads (6 h),
         * which would otherwise discard an upload still in progress.
         */
        @WithDefault("PT6H")
        java.time.Duration urlTtl();

        /** Key of the hub-signed upload URLs; generated and kept in the data folder when not set. */
        Optional<String> signingSecret();
    }

    /** The Xet protocol (io.modelhub.xet): content-defined chunks, deduplicated uploads. */
    interface Xet {
        /** Offer {@code transfer: "xet"} in LFS batch answers; the CAS endpoints answer either way. */
        @WithDefault("true")
        boolean enabled();

        /** Lifetime of the CAS tokens the xet-write-token / xet-read-token endpoints hand out. */
        @WithDefault("PT1H")
        java.time.Duration tokenTtl();
    }
}
