package io.modelhub.runners.recipes.text.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.text.bert.BertConfig.Activation;
import io.modelhub.runners.recipes.text.bert.BertConfig.Family;
import io.modelhub.runners.recipes.text.bert.BertConfig.Task;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** config.json of the four model types, with the field names and defaults of their transformers configs. */
class BertConfigTest {

    @Test
    void bertBaseUncased() {
        BertConfig c = BertConfig.parse("""
                {"architectures": ["BertForMaskedLM"], "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu",
                 "hidden_dropout_prob": 0.1, "hidden_size": 768, "initializer_range": 0.02,
                 "intermediate_size": 3072, "layer_norm_eps": 1e-12, "max_position_embeddings": 512,
                 "model_type": "bert", "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 0,
                 "type_vocab_size": 2, "vocab_size": 30522}""");
        assertEquals(Family.BERT, c.family());
        assertEquals(Task.MASKED_LM, c.task());
        assertEquals(64, c.headSize());
        assertEquals(512, c.maxTokens());
        assertEquals(Activation.GELU, c.hiddenAct());
        assertEquals(0.1f, c.classifierDropout(), "classifier_dropout null falls back to hidden_dropout_prob");
    }

    @Test
    void xlmRobertaClassifier() {
        BertConfig c = BertConfig.parse("""
                {"architectures": ["XLMRobertaForSequenceClassification"], "model_type": "xlm-roberta",
                 "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
                 "intermediate_size": 3072, "hidden_act": "gelu", "max_position_embeddings": 514,
                 "type_vocab_size": 1, "layer_norm_eps": 1e-05, "pad_token_id": 1, "vocab_size": 250002,
                 "classifier_dropout": 0.2, "id2label": {"0": "NEG", "1": "POS"}, "label2id": {"NEG": 0, "POS": 1},
                 "problem_type": "single_label_classification"}""");
        assertEquals(Family.XLM_ROBERTA, c.family());
        assertEquals("roberta", c.family().basePrefix());
        assertEquals(Task.SEQUENCE_CLASSIFICATION, c.task());
        assertEquals(512, c.maxTokens(), "514 rows less pad_token_id + 1");
        assertEquals(List.of("NEG", "POS"), c.labels());
        assertEquals(0.2f, c.classifierDropout());
        assertEquals(1e-5f, c.layerNormEps());
    }

    @Test
    void distilbertFieldNames() {
        BertConfig c = BertConfig.parse("""
                {"activation": "gelu", "architectures": ["DistilBertForMaskedLM"], "attention_dropout": 0.1,
                 "dim": 768, "dropout": 0.1, "hidden_dim": 3072, "max_position_embeddings": 512,
                 "model_type": "distilbert", "n_heads": 12, "n_layers": 6, "pad_token_id": 0,
                 "qa_dropout": 0.1, "seq_classif_dropout": 0.2, "sinusoidal_pos_embds": false,
                 "vocab_size": 30522}""");
        assertEquals(Family.DISTILBERT, c.family());
        assertEquals(768, c.hiddenSize());
        assertEquals(6, c.layers());
        assertEquals(3072, c.intermediateSize());
        assertEquals(0, c.typeVocabSize());
        assertEquals(0.2f, c.classifierDropout());
        assertEquals("DistilBertForSequenceClassification", c.family().architecture(Task.SEQUENCE_CLASSIFICATION));
    }

    @Test
    void activations() {
        assertEquals(Activation.GELU_TANH, config("gelu_new").hiddenAct());
        assertEquals(Activation.GELU_TANH, config("gelu_pytorch_tanh").hiddenAct());
        assertEquals(Activation.RELU, config("relu").hiddenAct());
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> config("swish"));
        assertTrue(e.getMessage().contains("hidden_act \"swish\"; supported: gelu, gelu_new"), e.getMessage());
    }

    @Test
    void headsMustDivideHiddenSize() {
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> BertConfig.parse("""
                {"model_type": "bert", "hidden_size": 100, "num_hidden_layers": 2, "num_attention_heads": 12,
                 "intermediate_size": 64, "max_position_embeddings": 64, "vocab_size": 50}"""));
        assertTrue(e.getMessage().contains("not a multiple of the 12 attention heads"), e.getMessage());
    }

    @Test
    void withTaskKeepsTheRestOfTheConfig() {
        BertConfig base = config("gelu");
        BertConfig classifier = base.withTask(Task.SEQUENCE_CLASSIFICATION, List.of("a", "b", "c"));
        assertEquals(List.of("BertForSequenceClassification"), classifier.architectures());
        assertEquals("c", classifier.json().path("id2label").path("2").asText());
        assertEquals(3, classifier.json().path("num_labels").asInt());
        assertEquals("single_label_classification", classifier.json().path("problem_type").asText());
        assertEquals(0.02, classifier.json().path("initializer_range").asDouble());
        BertConfig mlm = classifier.withTask(Task.MASKED_LM, List.of());
        assertTrue(mlm.labels().isEmpty());
        assertTrue(mlm.json().path("id2label").isMissingNode());
    }

    private static BertConfig config(String act) {
        return BertConfig.parse("""
                {"model_type": "bert", "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
                 "intermediate_size": 128, "max_position_embeddings": 64, "vocab_size": 50, "hidden_act": "%s",
                 "initializer_range": 0.02}""".formatted(act));
    }
}
