package io.modelhub.runners.recipes.text.bert;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.text.TextTokenizer;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.storage.inspect.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small seeded random base model of a family (2 layers, hidden 16, 4 heads) with a word-level tokenizer trained
 * on {@link #CORPUS}, written as transformers would: config.json, model.safetensors, tokenizer.json.
 */
public final class TinyBert {

    static final List<String> CORPUS = List.of("the cat sat on the mat", "a dog ran in the park",
            "the bird sang a song", "it is a sunny day in the park", "the cat and the dog are friends");
    static final int HIDDEN = 16;
    static final int LAYERS = 2;
    static final int INTERMEDIATE = 32;

    private TinyBert() {
    }

    /** The config.json of a base model of the family; edit it before {@link #write} to break things. */
    static ObjectNode config(BertConfig.Family family, int vocab) {
        ObjectNode c = ConfigJson.JSON.createObjectNode();
        c.put("model_type", family.modelType());
        c.putArray("architectures").add(family.architecture(BertConfig.Task.ENCODER));
        c.put("vocab_size", vocab);
        c.put("pad_token_id", 0);
        if (family == BertConfig.Family.DISTILBERT) {
            c.put("dim", HIDDEN);
            c.put("n_layers", LAYERS);
            c.put("n_heads", 4);
            c.put("hidden_dim", INTERMEDIATE);
            c.put("activation", "gelu");
            c.put("max_position_embeddings", 32);
        } else {
            c.put("hidden_size", HIDDEN);
            c.put("num_hidden_layers", LAYERS);
            c.put("num_attention_heads", 4);
            c.put("intermediate_size", INTERMEDIATE);
            c.put("hidden_act", "gelu");
            c.put("max_position_embeddings", family.offsetsPositions() ? 34 : 32);
            c.put("type_vocab_size", family.offsetsPositions() ? 1 : 2);
            c.put("layer_norm_eps", family.offsetsPositions() ? 1e-5 : 1e-12);
        }
        return c;
    }

    /** Random tensors for every parameter of a base model of the config, under the base model's names. */
    static SafetensorsWriter weights(BertConfig config, long seed) {
        BertBlock block = new BertBlock(config, BertConfig.Task.ENCODER, false, 0);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        SplittableRandom random = new SplittableRandom(seed);
        block.namedParameters().forEach((name, parameter) -> {
            long[] shape = parameter.getShape().getShape();
            float[] data = new float[Math.toIntExact(parameter.getShape().size())];
            boolean norm = name.contains("LayerNorm.weight") || name.contains("layer_norm.weight");
            for (int i = 0; i < data.length; i++) {
                data[i] = norm ? 1 + 0.1f * (float) (random.nextDouble() - 0.5) : 0.2f * (float) (random.nextDouble() - 0.5);
            }
            writer.putFloat32(name, shape, data);
        });
        return writer;
    }

    /** A whole base-model folder of the family. */
    static Path write(Path dir, BertConfig.Family family) throws IOException {
        return write(dir, family, CORPUS);
    }

    /** A whole base-model folder of the family whose word-level tokenizer is trained on {@code corpus}. */
    public static Path write(Path dir, BertConfig.Family family, List<String> corpus) throws IOException {
        int vocab = tokenizer(dir, corpus);
        ObjectNode config = config(family, vocab);
        write(dir, config, weights(BertConfig.parse(config.toString()), 7));
        return dir;
    }

    /** Trains the tokenizer into dir; returns its vocabulary size. */
    static int tokenizer(Path dir) throws IOException {
        return tokenizer(dir, CORPUS);
    }

    private static int tokenizer(Path dir, List<String> corpus) throws IOException {
        TextTokenizer.train(new ArrayList<>(corpus), 64, 1, 32, dir);
        try (TextTokenizer tokenizer = TextTokenizer.load(dir, 32)) {
            return tokenizer.vocabSize();
        }
    }

    static void write(Path dir, ObjectNode config, SafetensorsWriter weights) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), ConfigJson.toString(config));
        weights.write(dir.resolve("model.safetensors"));
    }
}
