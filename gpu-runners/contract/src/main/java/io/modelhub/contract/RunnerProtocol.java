package io.modelhub.contract;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The hub-runner protocol, compiled into both sides: the paths (the hub's JAX-RS resource uses these constants as
 * its templates, the runner's client fills them in) and every message. Runners pull: they register, long-poll to
 * claim, heartbeat to keep their lease, and report the job they hold; the hub never connects to a runner.
 * <p>
 * Every call carries {@code Authorization: Bearer <runner credential>} ({@link #CREDENTIAL_PREFIX}), which an
 * admin issues for one runner. The credential names the runner: a call for another runner id is refused (403), a
 * revoked credential stops the runner at its next call (401), and user tokens are refused on every runner call.
 * The calls about a job carry the attempt the runner holds; they are accepted only while that attempt holds the
 * job's lease.
 */
public final class RunnerProtocol {
    /** Runner credentials look like mhr_ + 40 letters and digits, so neither side mistakes one for a user token. */
    public static final String CREDENTIAL_PREFIX = "mhr_";
    public static final Pattern CREDENTIAL_SHAPE = Pattern.compile("^mhr_[A-Za-z0-9]{40}$");

    public static final String ROOT = "/api/runner";
    public static final String REGISTER = "/register";
    public static final String CLAIM = "/{runner}/claim";
    public static final String HEARTBEAT = "/{runner}/heartbeat";
    public static final String OFFLINE = "/{runner}/offline";
    /** The prefix of every call about a held job: runner, job and the attempt whose lease it holds. */
    public static final String LEASE = "/{runner}/jobs/{job}/attempts/{attempt}";
    public static final String INPUTS = LEASE + "/inputs";
    public static final String INPUT_FILE = LEASE + "/inputs/{role}/{path: .+}";
    /**
     * POST {@link ArchiveRequest}: the named files of one input as one POSIX tar stream ({@link #ARCHIVE_TYPE}), in the
     * order asked. Outside {@code /inputs/{role}/}, where it would shadow a file named "archive".
     */
    public static final String INPUT_ARCHIVE = LEASE + "/input-archives/{role}";
    public static final String ARCHIVE_TYPE = "application/x-tar";
    public static final String METRICS = LEASE + "/metrics";
    public static final String LOGS = LEASE + "/logs";
    public static final String CHECKPOINT = LEASE + "/checkpoints/{epoch}";
    public static final String OUTPUT = LEASE + "/outputs/{path: .+}";
    public static final String COMPLETE = LEASE + "/complete";
    public static final String FAIL = LEASE + "/fail";
    public static final String RELEASE = LEASE + "/release";
    /** Query parameters. */
    public static final String WAIT = "wait";
    public static final String STEP = "step";

    /** The input roles besides the recipe's "model" parameters, which are named by the parameter. */
    public static final String BASE_MODEL = "base";
    public static final String DATASET = "dataset";

    private RunnerProtocol() {
    }

    /** What a runner offers: hardware, the operator's labels, and its recipes (id, version, schema, model types). */
    public record Registration(String name, List<String> labels, int gpuCount, long gpuMemoryMb, int cpuCores,
                               long memoryBytes, List<RecipeDescriptor> recipes) {
        public Registration {
            labels = labels == null ? List.of() : List.copyOf(labels);
            recipes = recipes == null ? List.of() : List.copyOf(recipes);
        }
    }

    /** The runner's id (its credential's) and the lease a claim gets, for the heartbeat rate. */
    public record Registered(long runnerId, int leaseSeconds) {
    }

    /**
     * A claimed job: everything the runner needs, inputs pinned to commits. The runner fetches the files of each
     * input with {@link #INPUTS} / {@link #INPUT_FILE}, only while it holds this attempt.
     */
    public record Claim(long jobId, int attempt, String recipe, String recipeVersion, Map<String, Object> params,
                        List<JobInput> inputs, String outputRepo, int leaseSeconds, CheckpointRef latestCheckpoint) {
        public Claim {
            params = params == null ? Map.of() : params;
            inputs = inputs == null ? List.of() : List.copyOf(inputs);
        }

        /** The input of a role, or null when the job has none. */
        public JobInput input(String role) {
            return inputs.stream().filter(i -> i.role().equals(role)).findFirst().orElse(null);
        }
    }

    /**
     * One repository a job reads, at the commit the hub pinned at submit.
     *
     * @param role {@link #BASE_MODEL}, {@link #DATASET} or the name of a "model" parameter
     * @param type "model" or "dataset"
     */
    public record JobInput(String role, String type, String repo, String revision) {
    }

    /** The files of one input; sha256 is set for LFS files, gitSha1 for every file (what the runner verifies). */
    public record InputListing(String role, String repo, String revision, List<InputFile> files) {
    }

    public record InputFile(String path, long size, String sha256, String gitSha1) {
    }

    /**
     * The files of one input the runner still needs, by path as the listing names them: a fetch that broke off asks
     * again for what it has not verified yet.
     */
    public record ArchiveRequest(List<String> paths) {
    }

    /** The latest checkpoint of an earlier attempt, to resume from; fetched with {@link #CHECKPOINT}. */
    public record CheckpointRef(int epoch, long step, String sha256, long size) {
    }

    /** Keeps the runner alive (and, with a job, its lease); utilisation is what the runners page shows. */
    public record Heartbeat(Long jobId, Integer attempt, Map<String, Object> utilisation) {
    }

    /** cancel: the job's owner cancelled it; lost: this attempt no longer holds the job; drain: take no new job. */
    public record HeartbeatAnswer(boolean cancel, boolean lost, boolean drain) {
    }

    public record MetricPoint(long step, String name, double value) {
    }

    public record LogLines(List<String> lines) {
    }

    /** Success: final metrics (written to the card; an evaluation's scores) and the recipe's details. */
    public record Completion(Map<String, Double> metrics, Map<String, Object> details) {
        public Completion {
            metrics = metrics == null ? Map.of() : metrics;
            details = details == null ? Map.of() : details;
        }
    }

    /** A failed attempt, or a cancel the runner confirms. */
    public record Failure(String error, boolean cancelled) {
    }

    /** The hub's error body on every refusal. */
    public record ErrorBody(String error) {
    }
}
