package io.modelhub.contract;

import io.modelhub.storage.inspect.Modality;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A recipe as a runner publishes it when it registers, identified by (id, version): what it trains, the schema
 * its jobs' parameters are validated against, and the config.json model types it accepts as a base model
 * ({@code modelTypes}; a "model" parameter lists its own in {@link ParamSpec#modelTypes()}). A published version
 * is immutable: a changed schema is a new version, so that jobs pinned to a version run with exactly what they
 * were validated against.
 *
 * @param modality "text", "vision", "audio", "multimodal" or {@link #ANY_MODALITY}
 * @param task the Hugging Face pipeline tag of what it produces, e.g. "image-classification"
 * @param producesModel false for recipes that only score (evaluations): their jobs commit no repository
 */
public record RecipeDescriptor(String id, String version, String modality, String task, boolean needsBaseModel,
                               boolean producesModel, List<ParamSpec> parameters, List<String> modelTypes) {

    public static final String ANY_MODALITY = "any";

    /** Versions compare as dotted numbers where they are numbers ("2" before "10"), else as text. */
    public static final Comparator<String> VERSION_ORDER = RecipeDescriptor::compareVersions;

    public RecipeDescriptor {
        parameters = parameters == null ? List.of() : List.copyOf(parameters);
        modelTypes = modelTypes == null ? List.of() : List.copyOf(modelTypes);
    }

    /** "id@version", the form runners list their recipes in and jobs are matched by. */
    public String key() {
        return key(id, version);
    }

    public static String key(String id, String version) {
        return id + "@" + version;
    }

    public Map<String, ParamSpec> byName() {
        Map<String, ParamSpec> out = new LinkedHashMap<>();
        parameters.forEach(p -> out.put(p.name(), p));
        return out;
    }

    /** Whether a base model whose config.json says {@code modelType} can be fine-tuned by this recipe. */
    public boolean acceptsBaseModelType(String modelType) {
        return modelType != null && modelTypes.contains(modelType);
    }

    /**
     * Whether its dataset must hold at least two labels: a classification recipe does, a zero-shot one (whose labels
     * come at inference, e.g. the cross-modal-alignment recipe's dual encoders) does not.
     */
    public boolean needsLabels() {
        return task != null && task.endsWith("classification") && !task.startsWith("zero-shot-");
    }

    /**
     * The pipeline tag for the cards of the models it produces: its task, unless that task would catalogue them
     * under another modality (a multimodal dual encoder published as "feature-extraction" is not a text model).
     */
    public Optional<String> pipelineTag() {
        Modality byTask = Modality.derive(task, null, List.of(), List.of());
        boolean fits = byTask == Modality.UNKNOWN || byTask.id().equals(modality);
        return fits && task != null && !task.isBlank() ? Optional.of(task) : Optional.empty();
    }

    private static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "0";
            String q = i < y.length ? y[i] : "0";
            int c = p.matches("\\d{1,18}") && q.matches("\\d{1,18}") ? Long.compare(Long.parseLong(p), Long.parseLong(q)) : p.compareTo(q);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
