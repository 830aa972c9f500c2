package io.modelhub.runners.recipes.vision.vit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.modelhub.runners.recipes.NamedParameterBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.modelhub.runners.recipes.text.bert.BertBlock;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.vit.ViTConfig.Task;

/**
 * A transformers ViT as one DJL block whose parameter names are the transformers state-dict keys, so a
 * model.safetensors from the Hugging Face Hub loads by name and what this block saves loads in transformers. The
 * encoder (ViTModel's names) sits under "vit." in a ViTForImageClassification:
 * <pre>
 *   embeddings.cls_token                                  (1, 1, hidden)
 *   embeddings.position_embeddings                        (1, patches + 1, hidden)
 *   embeddings.patch_embeddings.projection.{weight,bias}  conv (hidden, 3, patch, patch), stride patch
 *   encoder.layer.N.layernorm_before                      pre-LayerNorm of the attention
 *   encoder.layer.N.attention.attention.{query,key,value} (bias only when qkv_bias)
 *   encoder.layer.N.attention.output.dense
 *   encoder.layer.N.layernorm_after                       pre-LayerNorm of the MLP
 *   encoder.layer.N.intermediate.dense                    then hidden_act (exact GELU for "gelu")
 *   encoder.layer.N.output.dense
 *   layernorm                                             the final LayerNorm
 *   pooler.dense                                          ViTModel only, when the checkpoint has one (+ tanh)
 *   classifier                                            ViTForImageClassification: linear on the CLS token
 * </pre>
 * Input: pixel_values (batch, 3, image_size, image_size) float32, normalised by the image processor. Output: a
 * ViTModel's last_hidden_state (batch, patches + 1, hidden) and, with a pooler, the pooler output (batch,
 * pooler size); a classifier's logits (batch, num_labels).
 */
public final class ViTBlock extends NamedParameterBlock {

    private static final byte VERSION = 1;

    private final ViTConfig config;
    private final Task task;
    private final boolean withPooler;
    private final int numLabels;
    private final String prefix;

    /**
     * @param withPooler whether a ViTModel has its pooler (ignored for a classifier, which has none)
     * @param numLabels the classifier's outputs; ignored for a ViTModel
     */
    public ViTBlock(ViTConfig config, Task task, boolean withPooler, int numLabels) {
        super(VERSION);
        this.config = config;
        this.task = task;
        this.withPooler = withPooler && task == Task.ENCODER;
        this.numLabels = numLabels;
        this.prefix = prefix(task);
        if (this.withPooler && !config.json().path("pooler_act").asText("tanh").equals("tanh")) {
            throw new InvalidModelException("config.json has pooler_act \"" + config.json().path("pooler_act").asText()
                    + "\"; only \"tanh\" is supported");
        }
        int h = config.hiddenSize();
        param(prefix + "embeddings.cls_token", Parameter.Type.WEIGHT, new Shape(1, 1, h));
        param(prefix + "embeddings.position_embeddings", Parameter.Type.WEIGHT, new Shape(1, config.tokens(), h));
        param(prefix + "embeddings.patch_embeddings.projection.weight", Parameter.Type.WEIGHT,
                new Shape(h, config.numChannels(), config.patchSize(), config.patchSize()));
        param(prefix + "embeddings.patch_embeddings.projection.bias", Parameter.Type.BIAS, new Shape(h));
        for (int i = 0; i < config.layers(); i++) {
            String p = layer(i);
            for (String part : new String[] {"query", "key", "value"}) {
                param(p + "attention.attention." + part + ".weight", Parameter.Type.WEIGHT, new Shape(h, h));
                if (config.qkvBias()) {
                    param(p + "attention.attention." + part + ".bias", Parameter.Type.BIAS, new Shape(h));
                }
            }
            linear(p + "attention.output.dense", h, h);
            norm(p + "layernorm_before", h);
            norm(p + "layernorm_after", h);
            linear(p + "intermediate.dense", h, config.intermediateSize());
            linear(p + "output.dense", config.intermediateSize(), h);
        }
        norm(prefix + "layernorm", h);
        if (this.withPooler) {
            linear("pooler.dense", h, config.poolerSize());
        }
        if (task == Task.IMAGE_CLASSIFICATION) {
            linear("classifier", h, numLabels);
        }
    }

    /** "" for a ViTModel, transformers' base_model_prefix "vit." for a ViTForImageClassification. */
    public static String prefix(Task task) {
        return task == Task.ENCODER ? "" : "vit.";
    }

    /** The name prefix of encoder layer i, e.g. "vit.encoder.layer.3.". */
    public String layer(int i) {
        return prefix + "encoder.layer." + i + ".";
    }

    public ViTConfig config() {
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
        NDArray states = encode(ps, inputs.head(), training);
        if (task == Task.IMAGE_CLASSIFICATION) {
            return new NDList(project(ps, "classifier", states.get(":, 0, :"), training));
        }
        return withPooler ? new NDList(states, pool(ps, states, training)) : new NDList(states);
    }

    /** ViTPooler: tanh(dense(CLS token of the last hidden state)). */
    private NDArray pool(ParameterStore ps, NDArray states, boolean training) {
        return project(ps, "pooler.dense", states.get(":, 0, :"), training).tanh();
    }

    /** last_hidden_state (batch, tokens, hidden), after the final layernorm. */
    private NDArray encode(ParameterStore ps, NDArray pixels, boolean training) {
        Shape shape = pixels.getShape();
        if (shape.dimension() != 4 || shape.get(1) != config.numChannels() || shape.get(2) != config.imageSize()
                || shape.get(3) != config.imageSize()) {
            throw new IllegalArgumentException("pixel_values of shape " + shape + " do not fit this ViT, which takes (batch, "
                    + config.numChannels() + ", " + config.imageSize() + ", " + config.imageSize() + ")");
        }
        long batch = shape.get(0);
        int h = config.hiddenSize();
        int patch = config.patchSize();
        NDArray patches = Conv2d.conv2d(pixels, v(ps, prefix + "embeddings.patch_embeddings.projection.weight", training),
                v(ps, prefix + "embeddings.patch_embeddings.projection.bias", training), new Shape(patch, patch),
                new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
        // (batch, hidden, n, n) -> (batch, n * n, hidden), patches in row-major order as transformers flattens them
        patches = patches.reshape(batch, h, -1).transpose(0, 2, 1);
        NDArray cls = v(ps, prefix + "embeddings.cls_token", training).broadcast(new Shape(batch, 1, h));
        NDArray x = NDArrays.concat(new NDList(cls, patches), 1)
                .add(v(ps, prefix + "embeddings.position_embeddings", training));
        x = dropout(x, config.hiddenDropout(), training);
        for (int i = 0; i < config.layers(); i++) {
            String p = layer(i);
            NDArray normed = layerNorm(ps, p + "layernorm_before", x, training);
            String attention = p + "attention.attention.";
            NDArray context = BertBlock.attention(project(ps, attention + "query", normed, training),
                    project(ps, attention + "key", normed, training), project(ps, attention + "value", normed, training),
                    null, config.heads(), config.attentionDropout(), training);
            x = dropout(project(ps, p + "attention.output.dense", context, training), config.hiddenDropout(), training)
                    .add(x);
            NDArray y = layerNorm(ps, p + "layernorm_after", x, training);
            y = BertBlock.activate(config.hiddenAct(), project(ps, p + "intermediate.dense", y, training),
                    x.getManager());
            x = dropout(project(ps, p + "output.dense", y, training), config.hiddenDropout(), training).add(x);
        }
        return layerNorm(ps, prefix + "layernorm", x, training);
    }

    private static NDArray dropout(NDArray x, float rate, boolean training) {
        return training && rate > 0 ? Dropout.dropout(x, rate, true).singletonOrThrow() : x;
    }

    private NDArray project(ParameterStore ps, String name, NDArray x, boolean training) {
        NDArray weight = v(ps, name + ".weight", training);
        Parameter bias = named(name + ".bias");
        if (bias == null) {
            return x.matMul(weight.transpose());
        }
        return Linear.linear(x, weight, ps.getValue(bias, ps.getManager().getDevice(), training)).singletonOrThrow();
    }

    private NDArray layerNorm(ParameterStore ps, String name, NDArray x, boolean training) {
        return LayerNorm.layerNorm(x, new Shape(config.hiddenSize()), v(ps, name + ".weight", training),
                v(ps, name + ".bias", training), config.layerNormEps()).singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        if (task == Task.IMAGE_CLASSIFICATION) {
            return new Shape[] {new Shape(batch, numLabels)};
        }
        Shape states = new Shape(batch, config.tokens(), config.hiddenSize());
        return withPooler ? new Shape[] {states, new Shape(batch, config.poolerSize())} : new Shape[] {states};
    }
}
