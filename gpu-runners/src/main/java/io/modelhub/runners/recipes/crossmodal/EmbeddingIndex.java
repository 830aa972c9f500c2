package io.modelhub.runners.recipes.crossmodal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.data.PairedDataset;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dataset's items embedded by the trained model, committed with it so that the hub answers searches without
 * running the towers over the dataset: index/embeddings.safetensors holds "a" and "b", (n, projection size)
 * normalised float32, row i for line i of index/items.jsonl: {"split", "a", "b"}, where a media side is its path
 * in the dataset repository and a text side the text. Distinct items only would be smaller, but keeping the
 * pairing lets the page show each hit's partner (an image's caption). With zero-shot labels, "prompts" holds the
 * text tower's embeddings of their prompts, row i for line i of index/prompts.jsonl: {"label", "prompt"}.
 */
final class EmbeddingIndex {
    static final String DIR = "index";
    private static final ObjectMapper JSON = new ObjectMapper();

    private EmbeddingIndex() {
    }

    /** A zero-shot label and the text it is embedded as ("a photo of a cat"). */
    record Prompt(String label, String text) {
    }

    static void write(DualEncoder model, PairedDataset data, Path datasetDir, Path outputDir, int batchSize,
            List<Prompt> prompts) throws IOException {
        List<PairedDataset.Pair> pairs = new ArrayList<>();
        List<String> splits = new ArrayList<>();
        Map<String, List<PairedDataset.Pair>> bySplit = new LinkedHashMap<>();
        bySplit.put("train", data.train());
        bySplit.put("validation", data.validation());
        bySplit.put("test", data.test());
        bySplit.forEach((split, list) -> list.forEach(p -> {
            pairs.add(p);
            splits.add(split);
        }));
        Path dir = outputDir.resolve(DIR);
        Files.createDirectories(dir);
        int d = model.projectionSize();
        float[] za = model.embed(true, pairs.stream().map(PairedDataset.Pair::a).toList(), batchSize);
        float[] zb = model.embed(false, pairs.stream().map(PairedDataset.Pair::b).toList(), batchSize);
        try (NDManager manager = NDManager.newBaseManager(model.device())) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            arrays.put("a", manager.create(za, new Shape(pairs.size(), d)));
            arrays.put("b", manager.create(zb, new Shape(pairs.size(), d)));
            if (!prompts.isEmpty()) {
                boolean textIsA = data.kindA() == PairedDataset.Kind.TEXT;
                float[] zp = model.embed(textIsA, prompts.stream().map(Prompt::text).toList(), batchSize);
                arrays.put("prompts", manager.create(zp, new Shape(prompts.size(), d)));
            }
            Safetensors.write(dir.resolve("embeddings.safetensors"), arrays);
        }
        try (Writer w = Files.newBufferedWriter(dir.resolve("items.jsonl"), StandardCharsets.UTF_8)) {
            for (int i = 0; i < pairs.size(); i++) {
                ObjectNode line = JSON.createObjectNode();
                line.put("split", splits.get(i));
                line.put("a", item(data.kindA(), pairs.get(i).a(), datasetDir));
                line.put("b", item(data.kindB(), pairs.get(i).b(), datasetDir));
                w.write(JSON.writeValueAsString(line));
                w.write('\n');
            }
        }
        if (!prompts.isEmpty()) {
            writePrompts(dir, prompts);
        }
    }

    private static void writePrompts(Path dir, List<Prompt> prompts) throws IOException {
        try (Writer w = Files.newBufferedWriter(dir.resolve("prompts.jsonl"), StandardCharsets.UTF_8)) {
            for (Prompt p : prompts) {
                ObjectNode line = JSON.createObjectNode();
                line.put("label", p.label());
                line.put("prompt", p.text());
                w.write(JSON.writeValueAsString(line));
                w.write('\n');
            }
        }
    }

    private static String item(PairedDataset.Kind kind, String value, Path datasetDir) {
        return kind == PairedDataset.Kind.TEXT ? value : datasetDir.relativize(Path.of(value)).toString().replace('\\', '/');
    }
}
