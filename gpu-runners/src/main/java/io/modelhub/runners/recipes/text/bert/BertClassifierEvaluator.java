package io.modelhub.runners.recipes.text.bert;

import ai.djl.Device;
import io.modelhub.runners.recipes.text.TextClassifier;
import io.modelhub.runners.recipes.text.TextEvaluator;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Scores a BERT-family *ForSequenceClassification (a transformers checkpoint, e.g. what text-classification writes)
 * on a labelled text table's split: accuracy and macro F1, tokenized with the model's tokenizer.json truncated at
 * the model's max length (tokenizer_config.json's model_max_length, which text-classification sets to its
 * max_length), so the scores equal the fine-tune's test metrics on the same split. A base model or masked LM is
 * refused by the loader. One evaluator per model type (the SPI's key): {@link Bert}, {@link Roberta},
 * {@link XlmRoberta}, {@link DistilBert}.
 */
public abstract class BertClassifierEvaluator extends TextEvaluator {

    private final String modelType;

    protected BertClassifierEvaluator(BertConfig.Family family) {
        this.modelType = family.modelType();
    }

    @Override
    public String modelType() {
        return modelType;
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    protected TextClassifier loadModel(Path dir, Device device) throws IOException {
        return BertTextClassifier.load(dir, device);
    }

    /** model_type "bert". */
    public static final class Bert extends BertClassifierEvaluator {
        public Bert() {
            super(BertConfig.Family.BERT);
        }
    }

    /** model_type "roberta". */
    public static final class Roberta extends BertClassifierEvaluator {
        public Roberta() {
            super(BertConfig.Family.ROBERTA);
        }
    }

    /** model_type "xlm-roberta". */
    public static final class XlmRoberta extends BertClassifierEvaluator {
        public XlmRoberta() {
            super(BertConfig.Family.XLM_ROBERTA);
        }
    }

    /** model_type "distilbert". */
    public static final class DistilBert extends BertClassifierEvaluator {
        public DistilBert() {
            super(BertConfig.Family.DISTILBERT);
        }
    }
}
