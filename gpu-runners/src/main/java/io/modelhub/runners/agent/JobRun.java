package io.modelhub.runners.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.runners.recipes.ParamSpec;
import io.modelhub.runners.recipes.RecipeRegistry;
import io.modelhub.runners.recipes.RunContext;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    private final long runnerId;
    private final JsonNode claim;
    private final Path workDir;
    private final Path baseModelDir;
    private final Path datasetDir;
    private final Map<String, Object> params;
    private final Map<String, Path> modelDirs;
    private final Optional<Checkpoint> checkpoint;
    final AtomicBoolean cancelled = new AtomicBoolean();
    final AtomicBoolean lost = new AtomicBoolean();
    private final List<Map<String, Object>> metrics = new ArrayList<>();
    private final List<String> logs = new ArrayList<>();

    JobRun(HubClient hub, long runnerId, JsonNode claim, Path workDir, Path cache) throws IOException, InterruptedException {
        this.hub = hub;
        this.runnerId = runnerId;
        this.claim = claim;
        this.workDir = workDir;
        Files.createDirectories(workDir.resolve("output"));
        log("Attempt " + claim.path("attempt").asInt() + " on runner " + runnerId + ": downloading inputs");
        this.baseModelDir = claim.hasNonNull("baseModel")
                ? RepoDownloads.fetch(hub, "model", claim.get("baseModel").asText(), claim.get("baseRevision").asText(), cache) : null;
        this.datasetDir = RepoDownloads.fetch(hub, "dataset", claim.get("dataset").asText(), claim.get("datasetRevision").asText(), cache);
        this.params = HubClient.json().convertValue(claim.path("params"), LinkedHashMap.class);
        this.modelDirs = fetchModelParams(cache);
        this.checkpoint = fetchCheckpoint();
    }

    long jobId() {
        return claim.path("jobId").asLong();
    }

    private String jobPath() {
        return "/api/runners/" + runnerId + "/jobs/" + jobId();
    }

    /** The recipe's "model" parameters, which the hub pinned to "owner/name@commit" at submit time. */
    private Map<String, Path> fetchModelParams(Path cache) throws IOException, InterruptedException {
        Map<String, Path> dirs = new LinkedHashMap<>();
        List<ParamSpec> specs = RecipeRegistry.find(claim.path("recipe").asText()).map(r -> r.parameters()).orElse(List.of());
        for (ParamSpec spec : specs) {
            Object value = params.get(spec.name());
            if (!spec.type().equals(ParamSpec.MODEL) || value == null) {
                continue;
            }
            String pinned = value.toString();
            int at = pinned.lastIndexOf('@');
            if (at < 0) {
                throw new IOException("Model parameter '" + spec.name() + "' is not pinned to a commit: " + pinned);
            }
            dirs.put(spec.name(), RepoDownloads.fetch(hub, "model", pinned.substring(0, at), pinned.substring(at + 1), cache));
        }
        return dirs;
    }

    private Optional<Checkpoint> fetchCheckpoint() throws IOException, InterruptedException {
        JsonNode cp = claim.path("latestCheckpoint");
        if (cp.isMissingNode() || cp.isNull()) {
            return Optional.empty();
        }
        Path zip = workDir.resolve("checkpoint-in.zip");
        hub.download(jobPath() + "/checkpoints/" + cp.path("sha256").asText(), zip);
        Path dir = workDir.resolve("checkpoint-in");
        try (InputStream in = Files.newInputStream(zip)) {
            Zip.unpack(in, dir);
        }
        return Optional.of(new Checkpoint(dir, cp.path("epoch").asInt(), cp.path("step").asLong()));
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
        hub.put(jobPath() + "/checkpoints/" + c.epoch() + "?step=" + c.step(), zip);
        Files.deleteIfExists(zip);
    }

    @Override
    public synchronized void metric(long step, String name, double value) {
        if (Double.isFinite(value)) {
            metrics.add(Map.of("step", step, "name", name, "value", value));
        }
    }

    @Override
    public synchronized void log(String line) {
        logs.add(line);
        System.out.println("[job " + claim.path("jobId").asLong() + "] " + line);
    }

    @Override
    public boolean cancelled() {
        return cancelled.get() || lost.get();
    }

    /** Sends what is buffered; called by the heartbeat thread and before checkpoints and completion. */
    void flush() throws IOException, InterruptedException {
        List<Map<String, Object>> m;
        List<String> l;
        synchronized (this) {
            m = new ArrayList<>(metrics);
            l = new ArrayList<>(logs);
            metrics.clear();
            logs.clear();
        }
        if (!m.isEmpty()) {
            hub.post(jobPath() + "/metrics", m, Duration.ofSeconds(60));
        }
        if (!l.isEmpty()) {
            hub.post(jobPath() + "/logs", l, Duration.ofSeconds(60));
        }
    }

    /**
     * Uploads every file the recipe wrote, then asks the hub to commit them with the job's success. The result is
     * the final metrics, plus the recipe's details under "details" when it has any.
     */
    void complete(io.modelhub.runners.recipes.RunResult result) throws IOException, InterruptedException {
        flush();
        List<Path> files;
        try (var walk = Files.walk(outputDir())) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String rel = outputDir().relativize(f).toString().replace('\\', '/');
            hub.put(jobPath() + "/outputs/" + HubClient.encodePath(rel), f);
        }
        Map<String, Object> body = new LinkedHashMap<>(result.finalMetrics());
        if (!result.details().isEmpty()) {
            body.put("details", result.details());
        }
        hub.post(jobPath() + "/complete", body, Duration.ofMinutes(10));
    }

    void fail(String error, boolean wasCancelled) throws IOException, InterruptedException {
        try {
            flush();
        } catch (IOException ignored) {
            // the failure report matters more than the last log lines
        }
        hub.post(jobPath() + "/fail", Map.of("error", error == null ? "" : error, "cancelled", wasCancelled), Duration.ofSeconds(60));
    }

    void release() throws IOException, InterruptedException {
        try {
            flush();
        } catch (IOException ignored) {
            // giving the job back matters more than the last log lines
        }
        hub.post(jobPath() + "/release", null, Duration.ofSeconds(30));
    }

    /** Reports a failure for a job whose inputs could not even be prepared. */
    record Failure(HubClient hub, long runnerId, long jobId) {
        void report(Exception e) throws IOException, InterruptedException {
            hub.post("/api/runners/" + runnerId + "/jobs/" + jobId + "/fail",
                    Map.of("error", e.getClass().getSimpleName() + ": " + e.getMessage(), "cancelled", false), Duration.ofSeconds(60));
        }
    }
}
