package io.modelhub.runners.recipes;

import io.modelhub.contract.ParamSpec;
import io.modelhub.contract.RecipeDescriptor;

import java.util.List;

/**
 * A training or evaluation procedure a runner can execute. Runners publish their recipes (id, modality, task,
 * version and parameter schema) when they register, so the hub validates job specs against exactly what its
 * runners can run. Implementations are found with {@link java.util.ServiceLoader} (see {@link RecipeRegistry}).
 */
public interface Recipe {
    /** Stable id used in job specs, e.g. "image-classification". */
    String id();

    /** "text", "vision", "audio" or "multimodal": what kind of base model and dataset it takes. */
    String modality();

    /** The HF pipeline tag of the models it produces, e.g. "image-classification". */
    String task();

    /** Bumped when results would change for the same inputs (part of an evaluation's fingerprint). */
    String version();

    /** The parameters a job may set, with types, ranges, defaults and a line of help each. */
    List<ParamSpec> parameters();

    /** Whether a base model is required (fine-tuning) or not (pre-training from scratch). */
    boolean needsBaseModel();

    /**
     * The config.json model types this recipe takes as its base model (see io.modelhub.contract.ModelTypes); the hub
     * refuses a job on any other before queuing it. Empty for recipes without a base model.
     */
    default List<String> modelTypes() {
        return List.of();
    }

    /**
     * Whether a successful run commits a model (its output folder) to a new repository. Evaluations produce
     * scores only: the hub commits nothing for them.
     */
    default boolean producesModel() {
        return true;
    }

    /** What the runner publishes of this recipe when it registers. */
    default RecipeDescriptor descriptor() {
        return new RecipeDescriptor(id(), version(), modality(), task(), needsBaseModel(), producesModel(), parameters(),
                modelTypes());
    }

    /** Runs the recipe to completion (or until {@link RunContext#cancelled()}), resuming from a checkpoint if given. */
    RunResult run(RunContext context) throws Exception;
}
