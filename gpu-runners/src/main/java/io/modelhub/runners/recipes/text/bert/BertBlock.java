package io.modelhub.runners.recipes.text.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import io.modelhub.runners.recipes.NamedParameterBlock;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.text.bert.BertConfig.Family;
import io.modelhub.runners.recipes.text.bert.BertConfig.Task;

/**
 * A transformers BERT-family model (BERT, RoBERTa, XLM-RoBERTa, DistilBERT) as one DJL block whose parameter
 * names are the transformers state-dict keys, so a model.safetensors from the Hugging Face Hub loads by name and
 * what this block saves loads in transformers ("names in, names out"). The encoder is named as in the family's
 * base model, under its base_model_prefix ("bert.", "roberta.", "distilbert.") when a task head sits on it:
 * <pre>
 *   BERT / RoBERTa                                     DistilBERT
 *   embeddings.word_embeddings.weight                  embeddings.word_embeddings.weight
 *   embeddings.position_embeddings.weight              embeddings.position_embeddings.weight
 *   embeddings.token_type_embeddings.weight            (no token types)
 *   embeddings.LayerNorm.{weight,bias}                 embeddings.LayerNorm.{weight,bias}
 *   encoder.layer.N.attention.self.{query,key,value}   transformer.layer.N.attention.{q_lin,k_lin,v_lin}
 *   encoder.layer.N.attention.output.dense             transformer.layer.N.attention.out_lin
 *   encoder.layer.N.attention.output.LayerNorm         transformer.layer.N.sa_layer_norm
 *   encoder.layer.N.intermediate.dense                 transformer.layer.N.ffn.lin1
 *   encoder.layer.N.output.dense                       transformer.layer.N.ffn.lin2
 *   encoder.layer.N.output.LayerNorm                   transformer.layer.N.output_layer_norm
 *   pooler.dense (BERT's classifier, or a base model that has one)
 * </pre>
 * Heads: BERT classifier = pooler + dropout + {@code classifier}; RoBERTa {@code classifier.dense} + tanh +
 * {@code classifier.out_proj} on the first token; DistilBERT {@code pre_classifier} + ReLU + {@code classifier}.
 * Masked LM, decoder tied to the word embeddings (no tensor of its own, as transformers saves it): BERT
 * {@code cls.predictions.transform.{dense,LayerNorm}} + {@code cls.predictions.bias}; RoBERTa
 * {@code lm_head.{dense,layer_norm}} + {@code lm_head.bias}; DistilBERT {@code vocab_transform},
 * {@code vocab_layer_norm}, {@code vocab_projector.bias}.
 * <p>
 * Inputs: input_ids, attention_mask and optionally token_type_ids, (batch, seq) int64. Output: the encoder's
 * last_hidden_state (batch, seq, hidden), and for a base model with a pooler also the pooler output (batch,
 * hidden); the logits (batch, num_labels) of a classifier; the token logits (batch, seq, vocab) of a masked LM.
 */
public final class BertBlock extends NamedParameterBlock {

    private static final byte VERSION = 1;
    /** torch.finfo(float32).min, which transformers adds to the scores of padded keys. */
    private static final float MASKED = -3.4028235e38f;

    private final BertConfig config;
    private final Task task;
    private final boolean withPooler;
    private final int numLabels;
    /** The encoder's names start with this: "" for a base model, else the family's base_model_prefix and a dot. */
    private final String prefix;

    /**
     * @param withPooler whether a base BERT/RoBERTa model has its pooler (a BERT classifier always has one)
     * @param numLabels the classifier's outputs; ignored by other tasks
     */
    public BertBlock(BertConfig config, Task task, boolean withPooler, int numLabels) {
        super(VERSION);
        this.config = config;
        this.task = task;
        this.numLabels = numLabels;
        Family family = config.family();
        this.withPooler = family != Family.DISTILBERT
                && (withPooler && task == Task.ENCODER || task == Task.SEQUENCE_CLASSIFICATION && family == Family.BERT);
        this.prefix = task == Task.ENCODER ? "" : family.basePrefix() + ".";
        int h = config.hiddenSize();
        param(prefix + "embeddings.word_embeddings.weight", Parameter.Type.WEIGHT, new Shape(config.vocabSize(), h));
        param(prefix + "embeddings.position_embeddings.weight", Parameter.Type.WEIGHT,
                new Shape(config.maxPositions(), h));
        if (family != Family.DISTILBERT) {
            param(prefix + "embeddings.token_type_embeddings.weight", Parameter.Type.WEIGHT,
                    new Shape(config.typeVocabSize(), h));
        }
        norm(prefix + "embeddings.LayerNorm", h);
        for (int i = 0; i < config.layers(); i++) {
            Layer names = layer(i);
            linear(names.query, h, h);
            linear(names.key, h, h);
            linear(names.value, h, h);
            linear(names.attentionOutput, h, h);
            norm(names.attentionNorm, h);
            linear(names.intermediate, h, config.intermediateSize());
            linear(names.output, config.intermediateSize(), h);
            norm(names.outputNorm, h);
        }
        if (this.withPooler) {
            linear(prefix + "pooler.dense", h, h);
        }
        if (task == Task.SEQUENCE_CLASSIFICATION) {
            switch (family) {
                case BERT -> linear("classifier", h, numLabels);
                case ROBERTA, XLM_ROBERTA -> {
                    linear("classifier.dense", h, h);
                    linear("classifier.out_proj", h, numLabels);
                }
                case DISTILBERT -> {
                    linear("pre_classifier", h, h);
                    linear("classifier", h, numLabels);
                }
            }
        } else if (task == Task.MASKED_LM) {
            MlmNames mlm = mlmNames();
            linear(mlm.dense, h, h);
            norm(mlm.norm, h);
            param(mlm.bias, Parameter.Type.BIAS, new Shape(config.vocabSize()));
        }
    }

    /** The transformers names of layer i's parts (without .weight/.bias). */
    private record Layer(String query, String key, String value, String attentionOutput, String attentionNorm,
            String intermediate, String output, String outputNorm) {
    }

    private Layer layer(int i) {
        if (config.family() == Family.DISTILBERT) {
            String p = prefix + "transformer.layer." + i + ".";
            return new Layer(p + "attention.q_lin", p + "attention.k_lin", p + "attention.v_lin",
                    p + "attention.out_lin", p + "sa_layer_norm", p + "ffn.lin1", p + "ffn.lin2",
                    p + "output_layer_norm");
        }
        String p = prefix + "encoder.layer." + i + ".";
        return new Layer(p + "attention.self.query", p + "attention.self.key", p + "attention.self.value",
                p + "attention.output.dense", p + "attention.output.LayerNorm", p + "intermediate.dense",
                p + "output.dense", p + "output.LayerNorm");
    }

    private record MlmNames(String dense, String norm, String bias) {
    }

    private MlmNames mlmNames() {
        return switch (config.family()) {
            case BERT -> new MlmNames("cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
                    "cls.predictions.bias");
            case ROBERTA, XLM_ROBERTA -> new MlmNames("lm_head.dense", "lm_head.layer_norm", "lm_head.bias");
            case DISTILBERT -> new MlmNames("vocab_transform", "vocab_layer_norm", "vocab_projector.bias");
        };
    }

    /**
     * The tensor names a checkpoint may hold that this block does not have as parameters: the tied decoder
     * (it is the word embedding matrix) and its bias alias, which transformers drops when saving.
     */
    public java.util.Set<String> tiedNames() {
        return switch (config.family()) {
            case BERT -> java.util.Set.of("cls.predictions.decoder.weight", "cls.predictions.decoder.bias");
            case ROBERTA, XLM_ROBERTA -> java.util.Set.of("lm_head.decoder.weight", "lm_head.decoder.bias");
            case DISTILBERT -> java.util.Set.of("vocab_projector.weight");
        };
    }

    /** The name of the word embedding matrix, which a masked LM's decoder shares. */
    public String wordEmbeddingsName() {
        return prefix + "embeddings.word_embeddings.weight";
    }

    public BertConfig config() {
        return config;
    }

    public Task task() {
        return task;
    }

    public String prefix() {
        return prefix;
    }

    public boolean withPooler() {
        return withPooler;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray states = encode(ps, inputs.get(0), inputs.get(1), inputs.size() > 2 ? inputs.get(2) : null, training);
        NDManager manager = states.getManager();
        return switch (task) {
            case ENCODER -> withPooler ? new NDList(states, pool(ps, states, training)) : new NDList(states);
            case SEQUENCE_CLASSIFICATION -> new NDList(classify(ps, states, training));
            case MASKED_LM -> {
                MlmNames mlm = mlmNames();
                NDArray h = project(ps, mlm.dense, states, training);
                // RoBERTa's LM head always uses exact GELU; BERT's follows hidden_act; DistilBERT's activation
                h = config.family().offsetsPositions() ? Activation.gelu(h) : activate(h, manager);
                h = layerNorm(ps, mlm.norm, h, training);
                yield new NDList(Linear.linear(h, v(ps, wordEmbeddingsName(), training), v(ps, mlm.bias, training))
                        .singletonOrThrow());
            }
        };
    }

    private NDArray classify(ParameterStore ps, NDArray states, boolean training) {
        NDArray first = states.get(":, 0, :");
        float dropout = config.classifierDropout();
        return switch (config.family()) {
            case BERT -> project(ps, "classifier", dropout(pool(ps, states, training), dropout, training), training);
            case ROBERTA, XLM_ROBERTA -> {
                NDArray h = project(ps, "classifier.dense", dropout(first, dropout, training), training).tanh();
                yield project(ps, "classifier.out_proj", dropout(h, dropout, training), training);
            }
            case DISTILBERT -> {
                NDArray h = Activation.relu(project(ps, "pre_classifier", first, training));
                yield project(ps, "classifier", dropout(h, dropout, training), training);
            }
        };
    }

    private NDArray pool(ParameterStore ps, NDArray states, boolean training) {
        return project(ps, prefix + "pooler.dense", states.get(":, 0, :"), training).tanh();
    }

    /** The encoder's last_hidden_state (batch, seq, hidden). */
    private NDArray encode(ParameterStore ps, NDArray ids, NDArray mask, NDArray typeIds, boolean training) {
        long batch = ids.getShape().get(0);
        long seq = ids.getShape().get(1);
        if (seq > config.maxTokens()) {
            throw new IllegalArgumentException("sequence of " + seq + " tokens is longer than the model's "
                    + config.maxTokens() + " positions; truncate the input");
        }
        NDManager manager = ids.getManager();
        NDArray positionIds;
        if (config.family().offsetsPositions()) {
            // transformers' create_position_ids_from_input_ids: padding keeps padding_idx, tokens count from it + 1
            NDArray notPad = ids.neq(config.padTokenId()).toType(DataType.INT64, false);
            positionIds = notPad.cumSum(1).mul(notPad).add(config.padTokenId());
        } else {
            positionIds = manager.arange(0L, seq, 1L, DataType.INT64);
        }
        NDArray x = embed(ps, prefix + "embeddings.word_embeddings.weight", ids, training)
                .add(embed(ps, prefix + "embeddings.position_embeddings.weight", positionIds, training));
        if (config.family() != Family.DISTILBERT) {
            NDArray types = typeIds != null ? typeIds : manager.zeros(new Shape(batch, seq), DataType.INT64);
            x = x.add(embed(ps, prefix + "embeddings.token_type_embeddings.weight", types, training));
        }
        x = dropout(layerNorm(ps, prefix + "embeddings.LayerNorm", x, training), config.hiddenDropout(), training);

        // padded keys get the most negative float, so that attention ignores them; a mask has no gradient
        NDArray keyBias = mask.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED).reshape(batch, 1, 1, seq);
        for (int i = 0; i < config.layers(); i++) {
            Layer names = layer(i);
            NDArray context = attention(project(ps, names.query, x, training), project(ps, names.key, x, training),
                    project(ps, names.value, x, training), keyBias, config.heads(), config.attentionDropout(),
                    training);
            NDArray attention = project(ps, names.attentionOutput, context, training);
            if (config.family() != Family.DISTILBERT) {
                // BertSelfOutput drops out the attention output; DistilBERT's attention has no such dropout
                attention = dropout(attention, config.hiddenDropout(), training);
            }
            x = layerNorm(ps, names.attentionNorm, attention.add(x), training);
            NDArray h = activate(project(ps, names.intermediate, x, training), manager);
            h = dropout(project(ps, names.output, h, training), config.hiddenDropout(), training);
            x = layerNorm(ps, names.outputNorm, h.add(x), training);
        }
        return x;
    }

    /**
     * Multi-head scaled dot-product attention as transformers' BERT and ViT self-attention compute it: the
     * projected queries, keys and values (batch, seq, hidden) to the heads' concatenated context (batch, seq,
     * hidden), before the output projection.
     *
     * @param keyBias added to the scores, (batch, 1, 1, seq), e.g. a padding mask; null for none
     */
    public static NDArray attention(NDArray query, NDArray key, NDArray value, NDArray keyBias, int heads,
            float dropout, boolean training) {
        long batch = query.getShape().get(0);
        long seq = query.getShape().get(1);
        long hidden = query.getShape().get(2);
        int headSize = Math.toIntExact(hidden / heads);
        // not mul(float): autograd keeps the factor for backward, so it must be memory libtorch owns
        NDArray scale = Torch.scalar(query.getManager(), (float) (1.0 / Math.sqrt(headSize)));
        NDArray q = heads(query, batch, seq, heads, headSize);
        NDArray k = heads(key, batch, seq, heads, headSize);
        NDArray v = heads(value, batch, seq, heads, headSize);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale);
        if (keyBias != null) {
            scores = scores.add(keyBias);
        }
        NDArray probs = dropout(scores.softmax(-1), dropout, training);
        return probs.matMul(v).transpose(0, 2, 1, 3).reshape(batch, seq, hidden);
    }

    private NDArray activate(NDArray x, NDManager manager) {
        return activate(config.hiddenAct(), x, manager);
    }

    /** hidden_act as transformers computes it (ACT2FN). */
    public static NDArray activate(BertConfig.Activation activation, NDArray x, NDManager manager) {
        return switch (activation) {
            case GELU -> Activation.gelu(x);
            case RELU -> Activation.relu(x);
            case GELU_TANH -> {
                // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), transformers' gelu_new; constants as tensors
                NDArray cube = x.mul(x).mul(x).mul(Torch.scalar(manager, 0.044715f));
                NDArray inner = x.add(cube).mul(Torch.scalar(manager, (float) Math.sqrt(2 / Math.PI))).tanh();
                yield x.mul(inner.add(Torch.scalar(manager, 1f))).mul(Torch.scalar(manager, 0.5f));
            }
        };
    }

    private static NDArray dropout(NDArray x, float rate, boolean training) {
        return training && rate > 0 ? Dropout.dropout(x, rate, true).singletonOrThrow() : x;
    }

    private static NDArray heads(NDArray x, long batch, long seq, int heads, int headSize) {
        return x.reshape(batch, seq, heads, headSize).transpose(0, 2, 1, 3);
    }

    private NDArray embed(ParameterStore ps, String name, NDArray ids, boolean training) {
        return Embedding.embedding(ids, v(ps, name, training), SparseFormat.DENSE).singletonOrThrow();
    }

    private NDArray project(ParameterStore ps, String name, NDArray x, boolean training) {
        return Linear.linear(x, v(ps, name + ".weight", training), v(ps, name + ".bias", training))
                .singletonOrThrow();
    }

    private NDArray layerNorm(ParameterStore ps, String name, NDArray x, boolean training) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), v(ps, name + ".weight", training),
                v(ps, name + ".bias", training), config.layerNormEps()).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape ids = inputShapes[0];
        return switch (task) {
            case ENCODER -> withPooler
                    ? new Shape[] {new Shape(ids.get(0), ids.get(1), config.hiddenSize()),
                            new Shape(ids.get(0), config.hiddenSize())}
                    : new Shape[] {new Shape(ids.get(0), ids.get(1), config.hiddenSize())};
            case SEQUENCE_CLASSIFICATION -> new Shape[] {new Shape(ids.get(0), numLabels)};
            case MASKED_LM -> new Shape[] {new Shape(ids.get(0), ids.get(1), config.vocabSize())};
        };
    }
}
