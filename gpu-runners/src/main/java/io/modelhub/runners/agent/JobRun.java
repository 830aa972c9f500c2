package io.modelhub.runners.agent;

import io.modelhub.contract.RunnerProtocol;
import io.modelhub.contract.RunnerProtocol.Claim;
import io.modelhub.contract.RunnerProtocol.Completion;
import io.modelhub.contract.RunnerProtocol.Failure;
import io.modelhub.contract.RunnerProtocol.InputListing;
import io.modelhub.contract.RunnerProtocol.JobInput;
import io.modelhub.contract.RunnerProtocol.MetricPoint;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One claimed job on this runner: its inputs on disk, and the channels from the recipe back to the hub.
 * Metrics and log lines are buffered and sent in batches (by the heartbeat thread and at the end), so a
 * recipe's step loop never waits on the network.
 */
final class JobRun implements RunContext {
    private final HubClient hub;
    private final Claim claim;
    private final HubClient.Lease lease;
    private final Path workDir;
    private final Path baseModelDir;
    private final Path datasetDir;
    private final Map<String, Object> params;
    private final Map<String, Path> modelDirs = new LinkedHashMap<>();
    private final Optional<Checkpoint> checkpoint;
    final AtomicBoolean cancelled = new AtomicBoolean();
    final AtomicBoolean lost = new AtomicBoolean();
    private final List<MetricPoint> metrics = new ArrayList<>();
    private final List<String> logs = new ArrayList<>();

    /**
     * @param fetchParallel files fetched at once with a request per file; 0 fetches each input as one archive stream
     */
    JobRun(HubClient hub, long runnerId, Claim claim, Path workDir, Path cache, int fetchParallel)
            throws IOException, InterruptedException {
        this.hub = hub;
        this.claim = claim;
        this.lease = new HubClient.Lease(runnerId, claim.jobId(), claim.attempt());
        this.workDir = workDir;
        Files.createDirectories(workDir.resolve("output"));
        log("Attempt " + claim.attempt() + " on runner " + runnerId + ": downloading inputs");
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (InputListing listing : hub.inputs(lease)) {
            JobInput input = claim.input(listing.role());
            String type = input == null ? "model" : input.type();
            RepoDownloads.Fetched fetched = fetchParallel == 0 ? RepoDownloads.fetchArchive(hub, lease, listing, type, cache)
                    : RepoDownloads.fetch(hub, lease, listing, type, cache, fetchParallel);
            // the benchmark of issue 17 reads this line; it also shows users where a slow start went
            log(String.format(java.util.Locale.ROOT, "Fetched %s %s: %d files, %d downloaded (%.1f MB) in %.2f s, %s",
                    type, listing.repo(), fetched.files(), fetched.downloaded(), fetched.bytes() / 1e6,
                    fetched.took().toNanos() / 1e9, fetchParallel == 0 ? "as one archive" : fetchParallel + " at a time"));
            dirs.put(listing.role(), fetched.dir());
        }
        this.baseModelDir = dirs.remove(RunnerProtocol.BASE_MODEL);
        this.datasetDir = dirs.remove(RunnerProtocol.DATASET);
        // what is left are the recipe's "model" parameters, by parameter name
        this.modelDirs.putAll(dirs);
        this.params = new LinkedHashMap<>(claim.params());
        this.checkpoint = fetchCheckpoint();
    }

    long jobId() {
        return claim.jobId();
    }

    HubClient.Lease lease() {
        return lease;
    }

    private Optional<Checkpoint> fetchCheckpoint() throws IOException, InterruptedException {
        RunnerProtocol.CheckpointRef cp = claim.latestCheckpoint();
        if (cp == null) {
            return Optional.empty();
        }
        Path zip = workDir.resolve("checkpoint-in.zip");
        hub.downloadCheckpoint(lease, cp.epoch(), zip);
        Path dir = workDir.resolve("checkpoint-in");
        try (InputStream in = Files.newInputStream(zip)) {
            Zip.unpack(in, dir);
        }
        return Optional.of(new Checkpoint(dir, cp.epoch(), cp.step()));
    }

    @Override
    public Path baseModelDir() {
        return baseModelDir;
    }

    @Override
    public Path modelDir(String param) {
        Path dir = modelDirs.get(param);
        if (dir == null) {
            throw new IllegalArgumentException("no model was downloaded for parameter \"" + param + "\" (model parameters: "
                    + modelDirs.keySet() + ")");
        }
        return dir;
    }

    @Override
    public Path datasetDir() {
        return datasetDir;
    }

    @Override
    public Map<String, Object> params() {
        return params;
    }

    @Override
    public Path workDir() {
        return workDir;
    }

    @Override
    public Path outputDir() {
        return workDir.resolve("output");
    }

    @Override
    public Optional<Checkpoint> latestCheckpoint() {
        return checkpoint;
    }

    @Override
    public void saveCheckpoint(Checkpoint c) throws Exception {
        flush();
        Path zip = workDir.resolve("checkpoint-" + c.epoch() + ".zip");
        Zip.pack(c.dir(), zip);
        hub.putCheckpoint(lease, c.epoch(), c.step(), zip);
        Files.deleteIfExists(zip);
    }

    @Override
    public synchronized void metric(long step, String name, double value) {
        if (Double.isFinite(value)) {
            metrics.add(new MetricPoint(step, name, value));
        }
    }

    @Override
    public synchronized void log(String line) {
        logs.add(line);
        System.out.println("[job " + claim.jobId() + "] " + line);
    }

    @Override
    public boolean cancelled() {
        return cancelled.get() || lost.get();
    }

    /** Sends what is buffered; called by the heartbeat thread and before checkpoints and completion. */
    void flush() throws IOException, InterruptedException {
        List<MetricPoint> m;
        List<String> l;
        synchronized (this) {
            m = new ArrayList<>(metrics);
            l = new ArrayList<>(logs);
            metrics.clear();
            logs.clear();
        }
        if (!m.isEmpty()) {
            hub.metrics(lease, m);
        }
        if (!l.isEmpty()) {
            hub.logs(lease, l);
        }
    }

    /**
     * Uploads every file the recipe wrote, then asks the hub to commit them with the job's success, with the final
     * metrics and the recipe's details.
     */
    void complete(RunResult result) throws IOException, InterruptedException {
        flush();
        List<Path> files;
        try (var walk = Files.walk(outputDir())) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            hub.putOutput(lease, outputDir().relativize(f).toString().replace('\\', '/'), f);
        }
        hub.complete(lease, new Completion(result.finalMetrics(), result.details()));
    }

    void fail(String error, boolean wasCancelled) throws IOException, InterruptedException {
        try {
            flush();
        } catch (IOException ignored) {
            // the failure report matters more than the last log lines
        }
        hub.fail(lease, new Failure(error == null ? "" : error, wasCancelled));
    }

    void release() throws IOException, InterruptedException {
        try {
            flush();
        } catch (IOException ignored) {
            // giving the job back matters more than the last log lines
        }
        hub.release(lease);
    }
}
