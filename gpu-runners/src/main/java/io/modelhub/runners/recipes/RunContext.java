package io.modelhub.runners.recipes;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** What the runner agent gives a recipe: local inputs, validated parameters, and channels back to the hub. */
public interface RunContext {
    /** Local copy of the base model repository's files (config.json, model.safetensors, ...), or null. */
    Path baseModelDir();

    /**
     * Local copy of the model named by a "model" parameter ({@link io.modelhub.contract.ParamSpec#model}), at the commit the hub pinned
     * it to when the job was submitted.
     */
    default Path modelDir(String param) {
        throw new IllegalArgumentException("no model was downloaded for parameter \"" + param + "\"");
    }

    /** Local copy of the dataset repository's files. */
    Path datasetDir();

    /** Parameters after validation, defaults filled in. */
    Map<String, Object> params();

    /** Scratch space, deleted after the run. */
    Path workDir();

    /** Where the recipe writes the model it produces (config.json, model.safetensors); the agent commits it. */
    Path outputDir();

    /** The latest checkpoint of an earlier attempt of this job, to resume from. */
    Optional<Checkpoint> latestCheckpoint();

    /** Hands a checkpoint folder to the agent, which stores it durably before this returns. */
    void saveCheckpoint(Checkpoint checkpoint) throws Exception;

    /** A metric point; the agent sends them to the hub in batches. */
    void metric(long step, String name, double value);

    /** A log line for the job page. */
    void log(String line);

    /** True once the job was cancelled (or the runner is shutting down): stop at the next step. */
    boolean cancelled();

    record Checkpoint(Path dir, int epoch, long step) {
    }
}
