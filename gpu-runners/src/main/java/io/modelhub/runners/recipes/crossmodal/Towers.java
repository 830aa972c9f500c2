package io.modelhub.runners.recipes.crossmodal;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.contract.ModelTypes;
import io.modelhub.runners.recipes.audio.AudioConfig;
import io.modelhub.runners.recipes.text.bert.BertConfig;
import io.modelhub.runners.recipes.text.TextEncoderConfig;
import io.modelhub.runners.recipes.vision.CnnConfig;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.vit.ViTConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Picks the tower for an encoder's config.json by its model type ({@link ModelTypes#of}: timm configs have none). */
final class Towers {
    private Towers() {
    }

    /** The tower of a hub model folder (config.json; tokenizer.json for text encoders). */
    static Tower of(Path modelDir) throws IOException {
        Path config = modelDir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new InvalidModelException(modelDir.getFileName() + " has no config.json: a tower must be a modelhub "
                    + "encoder (modelhub-text, modelhub-cnn, modelhub-audio), a BERT-family text encoder, a transformers ViT, a "
                    + "timm ResNet, or a wav2vec2 / HuBERT audio encoder");
        }
        return fromConfig(new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile()), modelDir);
    }

    /** The modality of the encoder in a hub model folder, from its config.json alone (nothing is loaded). */
    static String modality(Path modelDir) throws IOException {
        Path config = modelDir.resolve("config.json");
        String type = Files.isRegularFile(config)
                ? ModelTypes.of(new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile())) : null;
        if (type == null) {
            type = "";
        }
        if (ModelTypes.BERT_FAMILY.contains(type)) {
            return "text";
        }
        switch (type) {
            case TextEncoderConfig.MODEL_TYPE:
                return "text";
            case CnnConfig.MODEL_TYPE, ViTConfig.MODEL_TYPE, ModelTypes.TIMM:
                return "vision";
            case AudioConfig.MODEL_TYPE, ModelTypes.WAV2VEC2, ModelTypes.HUBERT:
                return "audio";
            default:
                return of(modelDir).modality(); // fails with the message naming what a tower must be
        }
    }

    /**
     * @param files where the tower's extra files are (tokenizer.json; a ViT's or wav2vec2's preprocessor_config.json;
     *     a ViT's weights)
     */
    static Tower fromConfig(JsonNode config, Path files) {
        String type = ModelTypes.of(config);
        if (type == null) {
            type = "";
        }
        if (ModelTypes.BERT_FAMILY.contains(type)) {
            return new BertTextTower(BertConfig.parse(config.toString()), files);
        }
        switch (type) {
            case CnnConfig.MODEL_TYPE:
                return new VisionTower(CnnConfig.parse(config.toString()));
            case ViTConfig.MODEL_TYPE:
                return ViTTower.fromConfig(config, files);
            case ModelTypes.TIMM:
                return ResNetTower.fromConfig(config);
            case ModelTypes.WAV2VEC2, ModelTypes.HUBERT:
                return Wav2Vec2Tower.fromConfig(config, files);
            case TextEncoderConfig.MODEL_TYPE:
                return new TextTower(TextEncoderConfig.parse(config.toString()), files);
            case AudioConfig.MODEL_TYPE:
                return new AudioTower(AudioConfig.parse(config.toString()));
            default:
                throw new InvalidModelException("model_type '" + type + "' cannot be a tower; supported: "
                        + TextEncoderConfig.MODEL_TYPE + " (text), " + CnnConfig.MODEL_TYPE + " (vision), " + AudioConfig.MODEL_TYPE
                        + " (audio), " + String.join(", ", ModelTypes.BERT_FAMILY) + " (text), " + ViTConfig.MODEL_TYPE
                        + ", " + ModelTypes.TIMM + " ResNets (vision), " + ModelTypes.WAV2VEC2 + ", " + ModelTypes.HUBERT
                        + " (audio)");
        }
    }
}
