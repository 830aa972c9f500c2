package io.modelhub.runners.recipes.audio.wav2vec2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import io.modelhub.runners.recipes.NamedParameterBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.modelhub.runners.recipes.Torch;
import java.util.ArrayList;
import java.util.List;

/**
 * A transformers Wav2Vec2Model / HubertModel, optionally under the *ForSequenceClassification head, as one DJL
 * block whose parameter names are the transformers state-dict keys ("names in, names out"). Under a head the
 * encoder names start with the base_model_prefix ("wav2vec2." / "hubert."):
 * <pre>
 *   feature_extractor.conv_layers.N.conv.{weight,bias}         bias only with conv_bias
 *   feature_extractor.conv_layers.N.layer_norm.{weight,bias}   every N for feat_extract_norm "layer", N = 0 (a
 *                                                              GroupNorm, one group per channel) for "group"
 *   feature_projection.layer_norm.{weight,bias}                not for HuBERT with feat_proj_layer_norm false
 *   feature_projection.projection.{weight,bias}
 *   encoder.pos_conv_embed.conv.{weight_g,weight_v,bias}       weight-normed grouped conv, w = g v / ||v|| (dim 2)
 *   encoder.layer_norm.{weight,bias}
 *   encoder.layers.N.attention.{q,k,v,out}_proj.{weight,bias}
 *   encoder.layers.N.layer_norm / final_layer_norm .{weight,bias}
 *   encoder.layers.N.feed_forward.{intermediate_dense,output_dense}.{weight,bias}
 *   layer_weights                                              head, with use_weighted_layer_sum
 *   projector.{weight,bias}, classifier.{weight,bias}          head
 * </pre>
 * Inputs: input_values (batch, samples) and optionally attention_mask (batch, samples), 1 for real samples.
 * Output: last_hidden_state (batch, frames, hidden) for the base model, logits (batch, labels) under the head,
 * pooled as transformers does: the mean of the projected frames the sample mask covers (through the conv lengths),
 * or of all frames when no mask is given.
 */
public final class Wav2Vec2Block extends NamedParameterBlock {

    private static final byte VERSION = 1;
    /** torch.finfo(float32).min, which transformers adds to the scores of padded keys. */
    private static final float MASKED = -3.4028235e38f;
    /** nn.GroupNorm / nn.LayerNorm's default eps, which the feature encoder's norms use. */
    private static final float CONV_NORM_EPS = 1e-5f;

    private final Wav2Vec2Config config;
    private final boolean classifier;
    private final int numLabels;
    private final String prefix;

    public Wav2Vec2Block(Wav2Vec2Config config, boolean classifier, int numLabels) {
        super(VERSION);
        this.config = config;
        this.classifier = classifier;
        this.numLabels = numLabels;
        this.prefix = classifier ? config.basePrefix() + "." : "";
        int in = 1;
        for (int i = 0; i < config.convDim().size(); i++) {
            String p = prefix + "feature_extractor.conv_layers." + i + ".";
            int out = config.convDim().get(i);
            param(p + "conv.weight", Parameter.Type.WEIGHT, new Shape(out, in, config.convKernel().get(i)));
            if (config.convBias()) {
                param(p + "conv.bias", Parameter.Type.BIAS, new Shape(out));
            }
            if (config.layerNormFeatures() || i == 0) {
                norm(p + "layer_norm", out);
            }
            in = out;
        }
        int h = config.hiddenSize();
        if (config.featProjLayerNorm()) {
            norm(prefix + "feature_projection.layer_norm", in);
        }
        linear(prefix + "feature_projection.projection", in, h);
        String pos = prefix + "encoder.pos_conv_embed.conv.";
        int k = config.numConvPosEmbeddings();
        param(pos + "weight_g", Parameter.Type.WEIGHT, new Shape(1, 1, k));
        param(pos + "weight_v", Parameter.Type.WEIGHT, new Shape(h, h / config.numConvPosEmbeddingGroups(), k));
        param(pos + "bias", Parameter.Type.BIAS, new Shape(h));
        norm(prefix + "encoder.layer_norm", h);
        for (int i = 0; i < config.layers(); i++) {
            String p = layer(i);
            for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                linear(p + "attention." + proj, h, h);
            }
            norm(p + "layer_norm", h);
            linear(p + "feed_forward.intermediate_dense", h, config.intermediateSize());
            linear(p + "feed_forward.output_dense", config.intermediateSize(), h);
            norm(p + "final_layer_norm", h);
        }
        if (classifier) {
            if (config.weightedLayerSum()) {
                param("layer_weights", Parameter.Type.WEIGHT, new Shape(config.layers() + 1));
            }
            linear("projector", h, config.classifierProjSize());
            linear("classifier", config.classifierProjSize(), numLabels);
        }
    }

    private String layer(int i) {
        return prefix + "encoder.layers." + i + ".";
    }

    public Wav2Vec2Config config() {
        return config;
    }

    public boolean classifier() {
        return classifier;
    }

    /** "" for a base model, "wav2vec2." / "hubert." under a head. */
    public String prefix() {
        return prefix;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray values = inputs.get(0);
        NDArray sampleMask = inputs.size() > 1 ? inputs.get(1) : null;
        NDManager manager = values.getManager();
        NDArray x = features(ps, values, training);
        long batch = x.getShape().get(0);
        long frames = x.getShape().get(1);
        NDArray frameMask = sampleMask == null ? null : frameMask(manager, sampleMask, batch, frames);
        List<NDArray> states = new ArrayList<>();
        x = encode(ps, x, frameMask, training, states);
        if (!classifier) {
            return new NDList(x);
        }
        return new NDList(head(ps, x, states, frameMask, training));
    }

    /** The encoder's last_hidden_state (batch, frames, hidden), also under a head (for parity checks). */
    public NDArray lastHiddenState(ParameterStore ps, NDList inputs) {
        NDArray values = inputs.get(0);
        NDArray x = features(ps, values, false);
        NDArray frameMask = inputs.size() > 1
                ? frameMask(values.getManager(), inputs.get(1), x.getShape().get(0), x.getShape().get(1)) : null;
        return encode(ps, x, frameMask, false, new ArrayList<>());
    }

    private NDArray head(ParameterStore ps, NDArray x, List<NDArray> states, NDArray frameMask, boolean training) {
        if (config.weightedLayerSum()) {
            NDArray weights = v(ps, "layer_weights", training).softmax(0).reshape(config.layers() + 1, 1, 1, 1);
            x = NDArrays.stack(new NDList(states), 0).mul(weights).sum(new int[] {0});
        }
        NDArray pooled = maskedMean(project(ps, "projector", x, training), frameMask);
        return project(ps, "classifier", pooled, training);
    }

    /**
     * The mean of last_hidden_state over the frames attention_mask covers, or over all frames without a mask:
     * *ForSequenceClassification's pooling without its projector, (batch, hidden). Also under a head.
     */
    public NDArray pooledHiddenState(ParameterStore ps, NDList inputs, boolean training) {
        NDArray values = inputs.get(0);
        NDArray x = features(ps, values, training);
        NDArray frameMask = inputs.size() > 1
                ? frameMask(values.getManager(), inputs.get(1), x.getShape().get(0), x.getShape().get(1)) : null;
        return maskedMean(encode(ps, x, frameMask, training, new ArrayList<>()), frameMask);
    }

    /** (batch, frames, d) averaged over the frames of the 0/1 mask (batch, frames), or over all when it is null. */
    private static NDArray maskedMean(NDArray x, NDArray frameMask) {
        if (frameMask == null) {
            return x.mean(new int[] {1});
        }
        NDArray counts = frameMask.sum(new int[] {1}, true);
        return x.mul(frameMask.expandDims(2)).sum(new int[] {1}).div(counts);
    }

    /** The feature encoder and projection: (batch, samples) to (batch, frames, hidden). */
    private NDArray features(ParameterStore ps, NDArray values, boolean training) {
        NDArray x = values.expandDims(1);
        for (int i = 0; i < config.convDim().size(); i++) {
            String p = prefix + "feature_extractor.conv_layers." + i + ".";
            NDArray bias = config.convBias() ? v(ps, p + "conv.bias", training) : null;
            x = Conv1d.conv1d(x, v(ps, p + "conv.weight", training), bias, new Shape(config.convStride().get(i)),
                    new Shape(0), new Shape(1), 1).singletonOrThrow();
            if (config.layerNormFeatures()) {
                NDArray t = x.transpose(0, 2, 1);
                x = LayerNorm.layerNorm(t, new Shape(config.convDim().get(i)), v(ps, p + "layer_norm.weight", training),
                        v(ps, p + "layer_norm.bias", training), CONV_NORM_EPS).singletonOrThrow().transpose(0, 2, 1);
            } else if (i == 0) {
                x = groupNormPerChannel(x, v(ps, p + "layer_norm.weight", training),
                        v(ps, p + "layer_norm.bias", training));
            }
            x = Activation.gelu(x);
        }
        x = x.transpose(0, 2, 1);
        if (config.featProjLayerNorm()) {
            x = LayerNorm.layerNorm(x, new Shape(config.convDim().get(config.convDim().size() - 1)),
                    v(ps, prefix + "feature_projection.layer_norm.weight", training),
                    v(ps, prefix + "feature_projection.layer_norm.bias", training), config.layerNormEps())
                    .singletonOrThrow();
        }
        x = project(ps, prefix + "feature_projection.projection", x, training);
        return dropout(x, config.featProjDropout(), training);
    }

    /** GroupNorm with one group per channel: each channel normalised over time on its own, then scaled and shifted. */
    private static NDArray groupNormPerChannel(NDArray x, NDArray weight, NDArray bias) {
        NDManager manager = x.getManager();
        NDArray mean = x.mean(new int[] {2}, true);
        NDArray centered = x.sub(mean);
        NDArray var = centered.square().mean(new int[] {2}, true);
        NDArray normed = centered.div(var.add(Torch.scalar(manager, CONV_NORM_EPS)).sqrt());
        return normed.mul(weight.reshape(1, -1, 1)).add(bias.reshape(1, -1, 1));
    }

    /**
     * transformers' _get_feature_vector_attention_mask: a clip of n real samples has frames(n) real frames, the
     * first ones. A mask carries no gradient, so it is computed on the host.
     */
    private NDArray frameMask(NDManager manager, NDArray sampleMask, long batch, long frames) {
        float[] samples = sampleMask.toType(DataType.FLOAT32, false).sum(new int[] {1}).toFloatArray();
        float[] mask = new float[Math.toIntExact(batch * frames)];
        for (int b = 0; b < batch; b++) {
            long real = Math.min(frames, config.frames(Math.round(samples[b])));
            for (int f = 0; f < real; f++) {
                mask[(int) (b * frames + f)] = 1f;
            }
        }
        return manager.create(mask, new Shape(batch, frames));
    }

    /** Positional conv, encoder layers and the encoder LayerNorm; collects the states a weighted layer sum reads. */
    private NDArray encode(ParameterStore ps, NDArray x, NDArray frameMask, boolean training, List<NDArray> states) {
        NDManager manager = x.getManager();
        long batch = x.getShape().get(0);
        long frames = x.getShape().get(1);
        NDArray keyBias = null;
        if (frameMask != null) {
            // padded frames are zeroed before the positional conv sees them, and no query attends to them
            x = x.mul(frameMask.expandDims(2));
            keyBias = frameMask.sub(1f).mul(-MASKED).reshape(batch, 1, 1, frames);
        }
        x = x.add(positions(ps, x, training));
        if (!config.stableLayerNorm()) {
            x = layerNorm(ps, prefix + "encoder.layer_norm", x, training);
        }
        x = dropout(x, config.hiddenDropout(), training);
        int heads = config.heads();
        int headSize = config.headSize();
        // not mul(float): autograd keeps the factor for backward, so it must be memory libtorch owns
        NDArray scale = Torch.scalar(manager, (float) (1.0 / Math.sqrt(headSize)));
        for (int i = 0; i < config.layers(); i++) {
            states.add(x);
            String p = layer(i);
            NDArray residual = x;
            NDArray a = config.stableLayerNorm() ? layerNorm(ps, p + "layer_norm", x, training) : x;
            NDArray q = heads(project(ps, p + "attention.q_proj", a, training).mul(scale), batch, frames, heads,
                    headSize);
            NDArray k = heads(project(ps, p + "attention.k_proj", a, training), batch, frames, heads, headSize);
            NDArray val = heads(project(ps, p + "attention.v_proj", a, training), batch, frames, heads, headSize);
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
            if (keyBias != null) {
                scores = scores.add(keyBias);
            }
            NDArray probs = dropout(scores.softmax(-1), config.attentionDropout(), training);
            NDArray context = probs.matMul(val).transpose(0, 2, 1, 3).reshape(batch, frames, config.hiddenSize());
            NDArray attention = dropout(project(ps, p + "attention.out_proj", context, training),
                    config.hiddenDropout(), training);
            x = residual.add(attention);
            if (config.stableLayerNorm()) {
                x = x.add(feedForward(ps, p, layerNorm(ps, p + "final_layer_norm", x, training), training));
            } else {
                x = layerNorm(ps, p + "layer_norm", x, training);
                x = layerNorm(ps, p + "final_layer_norm", x.add(feedForward(ps, p, x, training)), training);
            }
        }
        if (config.stableLayerNorm()) {
            x = layerNorm(ps, prefix + "encoder.layer_norm", x, training);
        }
        states.add(x);
        return x;
    }

    private NDArray feedForward(ParameterStore ps, String p, NDArray x, boolean training) {
        NDArray h = Activation.gelu(project(ps, p + "feed_forward.intermediate_dense", x, training));
        h = dropout(h, config.activationDropout(), training);
        return dropout(project(ps, p + "feed_forward.output_dense", h, training), config.hiddenDropout(), training);
    }

    /** The weight-normed grouped conv over time (same padding; the extra frame of an even kernel dropped), GELU. */
    private NDArray positions(ParameterStore ps, NDArray x, boolean training) {
        String p = prefix + "encoder.pos_conv_embed.conv.";
        NDArray g = v(ps, p + "weight_g", training);
        NDArray vw = v(ps, p + "weight_v", training);
        // torch weight_norm(dim=2): one norm per kernel position, over output and input channels
        NDArray weight = vw.mul(g).div(vw.square().sum(new int[] {0, 1}, true).sqrt());
        int kernel = config.numConvPosEmbeddings();
        long frames = x.getShape().get(1);
        NDArray y = Conv1d.conv1d(x.transpose(0, 2, 1), weight, v(ps, p + "bias", training), new Shape(1),
                new Shape(kernel / 2), new Shape(1), config.numConvPosEmbeddingGroups()).singletonOrThrow();
        if (kernel % 2 == 0) {
            y = y.get(":, :, :" + frames);
        }
        return Activation.gelu(y).transpose(0, 2, 1);
    }

    private static NDArray heads(NDArray x, long batch, long seq, int heads, int headSize) {
        return x.reshape(batch, seq, heads, headSize).transpose(0, 2, 1, 3);
    }

    private static NDArray dropout(NDArray x, float rate, boolean training) {
        return training && rate > 0 ? Dropout.dropout(x, rate, true).singletonOrThrow() : x;
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
        Shape values = inputShapes[0];
        if (classifier) {
            return new Shape[] {new Shape(values.get(0), numLabels)};
        }
        return new Shape[] {new Shape(values.get(0), config.frames(values.get(1)), config.hiddenSize())};
    }
}
