package io.modelhub.runners.recipes.vision.vit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.storage.inspect.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small seeded random transformers ViT (image 32, patch 8, 2 layers, 4 heads, hidden 64, MLP 128), written as
 * transformers would: config.json, preprocessor_config.json, model.safetensors. Needs no Python, unlike the
 * torchvision reference (vit_reference.py); for the tests of loading, errors, training and towers.
 */
public final class TinyViT {

    public static final int IMAGE = 32;
    public static final int PATCH = 8;
    public static final int HIDDEN = 64;

    private TinyViT() {
    }

    /** config.json of a ViTModel, or of a ViTForImageClassification when labels are given. */
    public static ObjectNode config(List<String> labels) {
        ObjectNode c = ConfigJson.JSON.createObjectNode();
        c.put("model_type", "vit");
        c.putArray("architectures").add(labels.isEmpty() ? "ViTModel" : "ViTForImageClassification");
        c.put("hidden_size", HIDDEN);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("intermediate_size", 128);
        c.put("hidden_act", "gelu");
        c.put("hidden_dropout_prob", 0.0);
        c.put("attention_probs_dropout_prob", 0.0);
        c.put("layer_norm_eps", 1e-6);
        c.put("image_size", IMAGE);
        c.put("patch_size", PATCH);
        c.put("num_channels", 3);
        c.put("qkv_bias", true);
        c.put("encoder_stride", PATCH);
        if (!labels.isEmpty()) {
            ConfigJson.putLabels(c, labels);
        }
        return c;
    }

    public static ObjectNode preprocessor() {
        ObjectNode p = ConfigJson.JSON.createObjectNode();
        p.put("do_normalize", true);
        p.put("do_rescale", true);
        p.put("do_resize", true);
        p.putArray("image_mean").add(0.5).add(0.5).add(0.5);
        p.put("image_processor_type", "ViTImageProcessor");
        p.putArray("image_std").add(0.5).add(0.5).add(0.5);
        p.put("resample", 2);
        p.put("rescale_factor", 1 / 255.0);
        p.putObject("size").put("height", IMAGE).put("width", IMAGE);
        return p;
    }

    /** Random tensors for every parameter of the config's model (with a pooler for a ViTModel if asked). */
    public static SafetensorsWriter weights(ObjectNode config, boolean withPooler, long seed) {
        ViTConfig parsed = ViTConfig.parse(config.toString());
        ViTBlock block = new ViTBlock(parsed, parsed.task(), withPooler, parsed.labels().size());
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        SplittableRandom random = new SplittableRandom(seed);
        block.namedParameters().forEach((name, parameter) -> {
            float[] data = new float[Math.toIntExact(parameter.getShape().size())];
            boolean norm = name.contains("layernorm") && name.endsWith(".weight");
            for (int i = 0; i < data.length; i++) {
                data[i] = (norm ? 1 : 0) + 0.2f * (float) (random.nextDouble() - 0.5);
            }
            writer.putFloat32(name, parameter.getShape().getShape(), data);
        });
        return writer;
    }

    /** A ViTModel folder with a pooler. */
    public static Path writeBase(Path dir) throws IOException {
        ObjectNode config = config(List.of());
        write(dir, config, preprocessor(), weights(config, true, 7));
        return dir;
    }

    public static void write(Path dir, ObjectNode config, ObjectNode preprocessor, SafetensorsWriter weights)
            throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), ConfigJson.toString(config));
        if (preprocessor != null) {
            Files.writeString(dir.resolve("preprocessor_config.json"), ConfigJson.toString(preprocessor));
        }
        weights.write(dir.resolve("model.safetensors"));
    }
}
