package io.modelhub.runners.recipes.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.modelhub.runners.recipes.Torch;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The modelhub-text encoder as one DJL block (see {@link TextEncoderConfig}), optionally with its masked-language
 * model head. Every parameter is created here under its PyTorch-style name, which is also its key in
 * model.safetensors:
 * <pre>
 *   embeddings.word_embeddings.weight          (vocab_size, hidden)
 *   embeddings.position_embeddings.weight      (max_position_embeddings, hidden)
 *   encoder.layers.{i}.attention_norm.{weight,bias}
 *   encoder.layers.{i}.attention.{query,key,value,output}.{weight,bias}
 *   encoder.layers.{i}.ffn_norm.{weight,bias}
 *   encoder.layers.{i}.ffn.{intermediate,output}.{weight,bias}
 *   encoder.final_norm.{weight,bias}
 *   mlm_head.dense.{weight,bias}, mlm_head.layer_norm.{weight,bias}, mlm_head.bias   (pre-training only;
 *   the decoder is tied to embeddings.word_embeddings.weight)
 * </pre>
 * Inputs: input_ids and attention_mask, both (batch, seq) int64. Output: the token states (batch, seq, hidden);
 * with a third input, the flat indexes (into batch*seq) of masked positions, the MLM logits (n, vocab_size) at
 * those positions instead.
 */
public final class TextEncoderBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final TextEncoderConfig config;
    private final boolean withMlmHead;
    private final Map<String, Parameter> named = new TreeMap<>();

    public TextEncoderBlock(TextEncoderConfig config, boolean withMlmHead) {
        super(VERSION);
        this.config = config;
        this.withMlmHead = withMlmHead;
        int h = config.hiddenSize();
        param("embeddings.word_embeddings.weight", Parameter.Type.WEIGHT, new Shape(config.vocabSize(), h));
        param("embeddings.position_embeddings.weight", Parameter.Type.WEIGHT, new Shape(config.maxPositions(), h));
        for (int i = 0; i < config.numLayers(); i++) {
            String p = "encoder.layers." + i + ".";
            norm(p + "attention_norm", h);
            for (String proj : new String[] {"query", "key", "value", "output"}) {
                linear(p + "attention." + proj, h, h);
            }
            norm(p + "ffn_norm", h);
            linear(p + "ffn.intermediate", h, config.intermediateSize());
            linear(p + "ffn.output", config.intermediateSize(), h);
        }
        norm("encoder.final_norm", h);
        if (withMlmHead) {
            linear("mlm_head.dense", h, h);
            norm("mlm_head.layer_norm", h);
            param("mlm_head.bias", Parameter.Type.BIAS, new Shape(config.vocabSize()));
        }
    }

    /** Parameters by their safetensors name, sorted. */
    public Map<String, Parameter> namedParameters() {
        return Collections.unmodifiableMap(named);
    }

    public TextEncoderConfig config() {
        return config;
    }

    public boolean withMlmHead() {
        return withMlmHead;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray ids = inputs.get(0);
        NDArray mask = inputs.get(1);
        NDArray states = encode(ps, ids, mask, training);
        if (inputs.size() < 3) {
            return new NDList(states);
        }
        if (!withMlmHead) {
            throw new IllegalStateException("this encoder was built without its MLM head");
        }
        NDArray flat = states.reshape(-1, config.hiddenSize()).get(inputs.get(2));
        NDArray h = Linear.linear(flat, v(ps, "mlm_head.dense.weight", training),
                v(ps, "mlm_head.dense.bias", training)).singletonOrThrow();
        h = Activation.gelu(h);
        h = layerNorm(ps, "mlm_head.layer_norm", h, training);
        NDArray logits = Linear.linear(h, v(ps, "embeddings.word_embeddings.weight", training),
                v(ps, "mlm_head.bias", training)).singletonOrThrow();
        return new NDList(logits);
    }

    private NDArray encode(ParameterStore ps, NDArray ids, NDArray mask, boolean training) {
        long seq = ids.getShape().get(1);
        if (seq > config.maxPositions()) {
            throw new IllegalArgumentException("sequence of " + seq + " tokens is longer than max_position_embeddings "
                    + config.maxPositions());
        }
        NDManager manager = ids.getManager();
        NDArray words = Embedding.embedding(ids, v(ps, "embeddings.word_embeddings.weight", training),
                SparseFormat.DENSE).singletonOrThrow();
        NDArray positions = Embedding.embedding(manager.arange(0L, seq, 1L, DataType.INT64),
                v(ps, "embeddings.position_embeddings.weight", training), SparseFormat.DENSE).singletonOrThrow();
        NDArray x = words.add(positions);
        int heads = config.numHeads();
        int headSize = config.hiddenSize() / heads;
        long batch = ids.getShape().get(0);
        // padded keys get a large negative score, so that attention ignores them
        NDArray keyBias = mask.toType(DataType.FLOAT32, false).sub(1f).mul(1e4f).reshape(batch, 1, 1, seq);
        // not mul(float): autograd keeps the factor for backward, so it must be memory libtorch owns
        NDArray scale = Torch.scalar(manager, (float) (1.0 / Math.sqrt(headSize)));
        for (int i = 0; i < config.numLayers(); i++) {
            String p = "encoder.layers." + i + ".";
            NDArray h = layerNorm(ps, p + "attention_norm", x, training);
            NDArray q = heads(project(ps, p + "attention.query", h, training), batch, seq, heads, headSize);
            NDArray k = heads(project(ps, p + "attention.key", h, training), batch, seq, heads, headSize);
            NDArray val = heads(project(ps, p + "attention.value", h, training), batch, seq, heads, headSize);
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(keyBias);
            NDArray context = scores.softmax(-1).matMul(val).transpose(0, 2, 1, 3)
                    .reshape(batch, seq, config.hiddenSize());
            x = x.add(project(ps, p + "attention.output", context, training));
            h = layerNorm(ps, p + "ffn_norm", x, training);
            h = Activation.gelu(project(ps, p + "ffn.intermediate", h, training));
            x = x.add(project(ps, p + "ffn.output", h, training));
        }
        return layerNorm(ps, "encoder.final_norm", x, training);
    }

    private static NDArray heads(NDArray x, long batch, long seq, int heads, int headSize) {
        return x.reshape(batch, seq, heads, headSize).transpose(0, 2, 1, 3);
    }

    private NDArray project(ParameterStore ps, String name, NDArray x, boolean training) {
        return Linear.linear(x, v(ps, name + ".weight", training), v(ps, name + ".bias", training))
                .singletonOrThrow();
    }

    private NDArray layerNorm(ParameterStore ps, String name, NDArray x, boolean training) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), v(ps, name + ".weight", training),
                v(ps, name + ".bias", training), TextEncoderConfig.LAYER_NORM_EPS).singletonOrThrow();
    }

    private NDArray v(ParameterStore ps, String name, boolean training) {
        return ps.getValue(named.get(name), ps.getManager().getDevice(), training);
    }

    private void param(String name, Parameter.Type type, Shape shape) {
        Parameter parameter = Parameter.builder().setName(name).setType(type).optShape(shape).build();
        addParameter(parameter);
        named.put(name, parameter);
    }

    private void linear(String name, int in, int out) {
        param(name + ".weight", Parameter.Type.WEIGHT, new Shape(out, in));
        param(name + ".bias", Parameter.Type.BIAS, new Shape(out));
    }

    private void norm(String name, int size) {
        param(name + ".weight", Parameter.Type.GAMMA, new Shape(size));
        param(name + ".bias", Parameter.Type.BETA, new Shape(size));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        if (inputShapes.length >= 3) {
            return new Shape[] {new Shape(inputShapes[2].get(0), config.vocabSize())};
        }
        Shape ids = inputShapes[0];
        return new Shape[] {new Shape(ids.get(0), ids.get(1), config.hiddenSize())};
    }
}
