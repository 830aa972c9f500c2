package io.modelhub.runners.recipes.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/** The evaluators on this runner's classpath (META-INF/services/io.modelhub.runners.recipes.eval.ModelEvaluator). */
public final class ModelEvaluators {
    private ModelEvaluators() {
    }

    public static List<ModelEvaluator> all() {
        return ServiceLoader.load(ModelEvaluator.class).stream().map(ServiceLoader.Provider::get).toList();
    }

    public static Optional<ModelEvaluator> find(String modelType) {
        return all().stream().filter(e -> e.modelType().equals(modelType)).findFirst();
    }

    /** The model_type of the model in {@code modelDir}, from its config.json. */
    public static String modelType(Path modelDir) throws IOException {
        Path config = modelDir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new IllegalArgumentException("the model has no config.json, so its model_type (and evaluator) is unknown");
        }
        String type = io.modelhub.contract.ModelTypes.of(new ObjectMapper().readTree(config.toFile()));
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException("the model's config.json has no model_type");
        }
        return type;
    }

    /** The evaluator for the model in {@code modelDir}, or a clear error naming the model types this runner knows. */
    public static ModelEvaluator forModel(Path modelDir) throws IOException {
        String type = modelType(modelDir);
        return find(type).orElseThrow(() -> new IllegalArgumentException("no evaluator for model_type \"" + type
                + "\" on this runner (it evaluates: " + String.join(", ", all().stream().map(ModelEvaluator::modelType).toList()) + ")"));
    }
}
