package io.modelhub.runners.recipes.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * training_state.json in a checkpoint folder, beside config.json and model.safetensors. The optimizer state is
 * not kept (Adam's moments restart on resume, a small cost for a checkpoint the size of the model); the data
 * order of epoch e is derived from (seed, e), which {@code rngOffset} records, so a resumed run sees the same
 * batches in its remaining epochs as an uninterrupted one.
 */
public record TrainingState(String recipe, String recipeVersion, int epoch, long step, long seed, long rngOffset) {

    public static final String FILE = "training_state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public void write(Path dir) throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.put("recipe", recipe);
        node.put("recipe_version", recipeVersion);
        node.put("epoch", epoch);
        node.put("step", step);
        node.put("seed", seed);
        node.put("rng_offset", rngOffset);
        Files.writeString(dir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n",
                StandardCharsets.UTF_8);
    }

    /** @throws InvalidModelException when the folder has no readable state (not a checkpoint of these recipes) */
    public static TrainingState read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException("checkpoint " + dir + " has no " + FILE);
        }
        JsonNode node = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        if (node == null || !node.path("epoch").canConvertToInt() || !node.path("step").canConvertToLong()) {
            throw new InvalidModelException("checkpoint " + file + " has no epoch and step");
        }
        return new TrainingState(node.path("recipe").asText(""), node.path("recipe_version").asText(""),
                node.path("epoch").asInt(), node.path("step").asLong(), node.path("seed").asLong(),
                node.path("rng_offset").asLong(node.path("epoch").asLong()));
    }
}
