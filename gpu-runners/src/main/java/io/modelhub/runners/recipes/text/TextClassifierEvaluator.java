package io.modelhub.runners.recipes.text;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Scores a fine-tuned modelhub-text classifier on a labelled text table's split, tokenized with the model's own
 * tokenizer.json at its max length. A masked-language model (no classification head) is refused by the loader.
 */
public final class TextClassifierEvaluator extends TextEvaluator {

    @Override
    public String modelType() {
        return TextEncoderConfig.MODEL_TYPE;
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    protected TextClassifier loadModel(Path dir, Device device) throws IOException {
        return TextClassifierModel.load(dir, device);
    }
}
