package io.modelhub.runners.recipes.text;

import io.modelhub.runners.recipes.data.TextSplit;
import io.modelhub.runners.recipes.training.TrainableClassifier;

import java.util.List;

/** A loaded text classifier of any family (platform encoder, TorchScript, BERT family), as scoring needs it. */
public interface TextClassifier extends TrainableClassifier<TokenizedTexts> {
    /** Label names; the index of a name is its label id. */
    List<String> labels();

    /** The split's texts with this model's tokenizer, at {@link #maxLength()}. */
    TokenizedTexts tokenize(TextSplit split);

    /** Tokens per text the model reads; longer texts are cut. */
    int maxLength();
}
