package io.modelhub.runners;

import java.util.List;
import java.util.Map;

/**
 * A recipe as runners publish it: what it trains, and the schema its job parameters are validated against.
 * producesModel is false for recipes that only score (evaluations): their jobs commit no repository. Runners
 * that do not send it produce models. Modality "any" takes models and datasets of every modality.
 */
public record RecipeInfo(String id, String version, String modality, String task, boolean needsBaseModel,
                         List<Param> parameters, Boolean producesModel) {

    public static final String ANY_MODALITY = "any";

    public RecipeInfo {
        producesModel = producesModel == null || producesModel;
    }

    public RecipeInfo(String id, String version, String modality, String task, boolean needsBaseModel, List<Param> parameters) {
        this(id, version, modality, task, needsBaseModel, parameters, true);
    }

    /** type: int, float, string or bool; min/max bound numbers; choices bound strings. */
    public record Param(String name, String type, Object defaultValue, Double min, Double max, List<String> choices,
                        String help) {
    }

    /**
     * The pipeline tag for the cards of the models it produces: its task, unless that task would catalogue them under
     * another modality (a multimodal dual encoder published as "feature-extraction" is not a text model); without a
     * tag the catalog goes by the model's config.json instead.
     */
    public java.util.Optional<String> pipelineTag() {
        io.modelhub.storage.inspect.Modality byTask =
                io.modelhub.storage.inspect.Modality.derive(task, null, List.of(), List.of());
        boolean fits = byTask == io.modelhub.storage.inspect.Modality.UNKNOWN || byTask.id().equals(modality);
        return fits && task != null && !task.isBlank() ? java.util.Optional.of(task) : java.util.Optional.empty();
    }

    public Map<String, Param> byName() {
        return parameters.stream().collect(java.util.stream.Collectors.toMap(Param::name, p -> p));
    }
}
