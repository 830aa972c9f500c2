package io.modelhub.runners.recipes.text;

import io.modelhub.runners.recipes.data.SplitDataset;
import io.modelhub.runners.recipes.data.TextDataset;
import io.modelhub.runners.recipes.data.TextSplit;
import io.modelhub.runners.recipes.eval.ClassifierEvaluator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a text classifier of any family on a labelled text table's split, tokenized with the model's own
 * tokenizer.json at its max length: what every text evaluator shares. A family gives its model type, version and
 * loader.
 */
public abstract class TextEvaluator extends ClassifierEvaluator<TextSplit, TextClassifier> {

    @Override
    protected final SplitDataset<TextSplit> openDataset(Path dir, long seed) throws IOException {
        return TextDataset.open(dir, seed, true);
    }

    @Override
    protected final List<String> labels(TextClassifier model, List<String> datasetLabels) {
        return model.labels();
    }

    @Override
    protected final int numLabels(TextClassifier model) {
        return model.labels().size();
    }

    @Override
    protected final int[] predict(TextClassifier model, TextSplit split, int batchSize) throws Exception {
        return model.predict(model.tokenize(split), batchSize);
    }

    @Override
    protected final Map<String, Object> preprocessing(TextClassifier model) {
        Map<String, Object> preprocessing = new LinkedHashMap<>();
        preprocessing.put("tokenizer", "tokenizer.json");
        preprocessing.put("max_length", model.maxLength());
        return preprocessing;
    }
}
