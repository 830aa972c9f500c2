package io.modelhub.platform;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.concurrent.TimeUnit;

/**
 * Bytes and durations of the hub's transfers, for /q/metrics: modelhub_upload_bytes / modelhub_upload_seconds and
 * modelhub_download_bytes / modelhub_download_seconds, each tagged with the path the bytes took (a fixed, small
 * set: the tags never carry a repository or file name, which would make one series per file).
 */
@ApplicationScoped
public class TransferMeters {
    /** Upload paths: an NDJSON commit's or the UI's file, an LFS PUT through the hub, an LFS upload verified in the store. */
    public static final String COMMIT = "commit", LFS = "lfs", LFS_STORE = "lfs-store";
    /** Download paths: a client's resolve/download, a runner's fetch of a job's or a model's file. */
    public static final String RESOLVE = "resolve", RUNNER = "runner";

    @Inject
    MeterRegistry registry;

    public void upload(String path, long bytes, long nanos) {
        record("modelhub.upload", path, bytes, nanos);
    }

    public void download(String path, long bytes, long nanos) {
        record("modelhub.download", path, bytes, nanos);
    }

    private void record(String name, String path, long bytes, long nanos) {
        DistributionSummary.builder(name + ".bytes").baseUnit("bytes").tag("path", path).register(registry).record(bytes);
        Timer.builder(name).tag("path", path).register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }
}
