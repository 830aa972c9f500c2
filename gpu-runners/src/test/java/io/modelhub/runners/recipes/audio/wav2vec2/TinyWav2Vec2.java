package io.modelhub.runners.recipes.audio.wav2vec2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A tiny wav2vec2 base model folder with seeded random weights in the transformers layout (no pretrained wav2vec2
 * is reachable here): 4 convolutions of 32 channels with a 320-sample hop like the published models
 * (20 ms frames at 16 kHz), feat_extract_norm "layer" with an attention mask, 2 post-LN transformer layers of 64.
 */
public final class TinyWav2Vec2 {

    private TinyWav2Vec2() {
    }

    static String configJson(String modelType) {
        return """
                {
                  "model_type": "%s",
                  "architectures": ["%s"],
                  "conv_dim": [32, 32, 32, 32],
                  "conv_kernel": [10, 8, 4, 4],
                  "conv_stride": [5, 4, 4, 4],
                  "conv_bias": true,
                  "feat_extract_norm": "layer",
                  "hidden_size": 64,
                  "num_hidden_layers": 2,
                  "num_attention_heads": 4,
                  "intermediate_size": 128,
                  "num_conv_pos_embeddings": 16,
                  "num_conv_pos_embedding_groups": 4,
                  "hidden_dropout": 0.1,
                  "attention_dropout": 0.1,
                  "activation_dropout": 0.0,
                  "classifier_proj_size": 32,
                  "initializer_range": 0.1
                }
                """.formatted(modelType, modelType.equals("hubert") ? "HubertModel" : "Wav2Vec2Model");
    }

    /** Writes config.json, preprocessor_config.json and model.safetensors (PyTorch-style random init) into dir. */
    public static Path write(Path dir, String modelType, long seed) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), configJson(modelType), StandardCharsets.UTF_8);
        ObjectNode pre = ConfigJson.JSON.createObjectNode();
        pre.put("do_normalize", true);
        pre.put("feature_extractor_type", "Wav2Vec2FeatureExtractor");
        pre.put("feature_size", 1);
        pre.put("padding_side", "right");
        pre.put("padding_value", 0.0);
        pre.put("return_attention_mask", true);
        pre.put("sampling_rate", 16_000);
        Files.writeString(dir.resolve(FeatureExtractorConfig.FILE), ConfigJson.toString(pre), StandardCharsets.UTF_8);
        Wav2Vec2Block block = new Wav2Vec2Block(Wav2Vec2Config.read(dir.resolve("config.json")), false, 0);
        Random random = new Random(seed);
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            // PyTorch's default initialisation, as a freshly built transformers/torchaudio model has it: Linear and
            // Conv weights and biases uniform within 1/sqrt(fan_in), norms 1 and 0, weight_g = ||weight_v||
            Map<String, Long> fanIns = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> entry : block.namedParameters().entrySet()) {
                String name = entry.getKey();
                long[] shape = entry.getValue().getShape().getShape();
                float[] values = new float[Math.toIntExact(entry.getValue().getShape().size())];
                String module = name.substring(0, name.lastIndexOf('.'));
                boolean norm = name.contains("layer_norm");
                if (norm) {
                    java.util.Arrays.fill(values, name.endsWith(".weight") ? 1f : 0f);
                } else if (!name.endsWith("weight_g")) {
                    long fanIn = name.endsWith(".bias") ? fanIns.get(module) : values.length / shape[0];
                    fanIns.put(module, fanIn);
                    double bound = 1 / Math.sqrt(fanIn);
                    for (int i = 0; i < values.length; i++) {
                        values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                    }
                }
                arrays.put(name, manager.create(values, entry.getValue().getShape()));
            }
            NDArray v = arrays.get("encoder.pos_conv_embed.conv.weight_v");
            arrays.put("encoder.pos_conv_embed.conv.weight_g", v.square().sum(new int[] {0, 1}, true).sqrt());
            Safetensors.write(dir.resolve(Wav2Vec2Model.WEIGHTS_FILE), arrays);
        }
        return dir;
    }
}
