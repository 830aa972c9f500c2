package io.modelhub.runners.recipes.text.bert;

import io.modelhub.runners.recipes.eval.ClassifierScoring;
import io.modelhub.runners.recipes.text.TextClassifierEvaluator;
import io.modelhub.runners.recipes.eval.EvaluationRequest;
import io.modelhub.runners.recipes.eval.ModelEvaluation;
import io.modelhub.runners.recipes.eval.ModelEvaluator;
import java.util.List;

/**
 * Scores a BERT-family *ForSequenceClassification (a transformers checkpoint, e.g. what text-classification writes)
 * on a labelled text table's split: accuracy and macro F1, tokenized with the model's tokenizer.json truncated at
 * the model's max length (tokenizer_config.json's model_max_length, which text-classification sets to its
 * max_length), so the scores equal the fine-tune's test metrics on the same split. A base model or masked LM is
 * refused by the loader. One evaluator per model type (the SPI's key): {@link Bert}, {@link Roberta},
 * {@link XlmRoberta}, {@link DistilBert}.
 */
public abstract class BertClassifierEvaluator implements ModelEvaluator {

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
    public List<String> metrics() {
        return ClassifierScoring.METRICS;
    }

    @Override
    public ModelEvaluation evaluate(EvaluationRequest request) throws Exception {
        return TextClassifierEvaluator.score(request, BertTextClassifier::load);
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
