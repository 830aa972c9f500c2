package io.modelhub.crossmodal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A dual encoder's "modelhub-text" tower and its projection in plain Java, so that the hub embeds a typed query
 * the way the runner embedded the indexed texts: the forward pass of gpu-runners TextEncoderBlock.encode for one
 * unpadded sequence (token + learned position embeddings; per layer, pre-layer-norm masked multi-head
 * self-attention and a GELU feed-forward, each a residual branch; a final layer norm), the mean over the tokens
 * (TextTower's pooling; one unpadded sequence has only real tokens, and the runner's -1e4 key bias makes its padded
 * batches agree with that), the tower's bias-free projection, then division by (L2 norm + 1e-8) as
 * DualEncoderBlock.embed does.
 * <p>
 * GELU is the exact one (0.5 x (1 + erf(x / sqrt 2))): DJL's Activation.gelu on PyTorch calls torch::gelu with its
 * default approximate="none". Sums are accumulated in double; the runner's float32 kernels differ by rounding only.
 */
public final class TextTowerEncoder {
    /** The runner uses TextEncoderConfig.LAYER_NORM_EPS whatever config.json's layer_norm_eps says. */
    static final float LAYER_NORM_EPS = 1e-5f;

    private final WordLevelTokenizer tokenizer;
    private final int hidden;
    private final int heads;
    private final int intermediate;
    private final int maxPositions;
    private final int vocab;
    private final int projectionSize;
    private final float[] wordEmbeddings;
    private final float[] positionEmbeddings;
    private final List<Layer> layers;
    private final float[] finalNormWeight;
    private final float[] finalNormBias;
    private final float[] projection;

    private record Layer(float[] attentionNormW, float[] attentionNormB, float[] qW, float[] qB, float[] kW, float[] kB,
                         float[] vW, float[] vB, float[] oW, float[] oB, float[] ffnNormW, float[] ffnNormB,
                         float[] inW, float[] inB, float[] outW, float[] outB) {
    }

    /**
     * @param config     the tower's own config.json (tower_x.config of the dual encoder's)
     * @param weights    the tower's tensors by their name without the "tower_x." prefix, plus "projection"
     */
    TextTowerEncoder(JsonNode config, WordLevelTokenizer tokenizer, Map<String, float[]> weights) {
        this.tokenizer = tokenizer;
        this.hidden = positive(config, "hidden_size");
        this.heads = positive(config, "num_attention_heads");
        this.intermediate = positive(config, "intermediate_size");
        this.maxPositions = positive(config, "max_position_embeddings");
        this.vocab = positive(config, "vocab_size");
        int numLayers = positive(config, "num_hidden_layers");
        if (hidden % heads != 0) {
            throw new UnsupportedTowerException("num_attention_heads " + heads + " does not divide hidden_size " + hidden);
        }
        this.wordEmbeddings = tensor(weights, "embeddings.word_embeddings.weight", (long) vocab * hidden);
        this.positionEmbeddings = tensor(weights, "embeddings.position_embeddings.weight", (long) maxPositions * hidden);
        List<Layer> list = new ArrayList<>();
        for (int i = 0; i < numLayers; i++) {
            String p = "encoder.layers." + i + ".";
            long hh = (long) hidden * hidden;
            long hi = (long) hidden * intermediate;
            list.add(new Layer(tensor(weights, p + "attention_norm.weight", hidden), tensor(weights, p + "attention_norm.bias", hidden),
                    tensor(weights, p + "attention.query.weight", hh), tensor(weights, p + "attention.query.bias", hidden),
                    tensor(weights, p + "attention.key.weight", hh), tensor(weights, p + "attention.key.bias", hidden),
                    tensor(weights, p + "attention.value.weight", hh), tensor(weights, p + "attention.value.bias", hidden),
                    tensor(weights, p + "attention.output.weight", hh), tensor(weights, p + "attention.output.bias", hidden),
                    tensor(weights, p + "ffn_norm.weight", hidden), tensor(weights, p + "ffn_norm.bias", hidden),
                    tensor(weights, p + "ffn.intermediate.weight", hi), tensor(weights, p + "ffn.intermediate.bias", intermediate),
                    tensor(weights, p + "ffn.output.weight", hi), tensor(weights, p + "ffn.output.bias", hidden)));
        }
        this.layers = List.copyOf(list);
        this.finalNormWeight = tensor(weights, "encoder.final_norm.weight", hidden);
        this.finalNormBias = tensor(weights, "encoder.final_norm.bias", hidden);
        float[] proj = weights.get("projection");
        if (proj == null || proj.length == 0 || proj.length % hidden != 0) {
            throw new UnsupportedTowerException("the projection of the text tower is missing or not (size, " + hidden + ")");
        }
        this.projection = proj;
        this.projectionSize = proj.length / hidden;
    }

    /** Whether a tower tensor (named without the tower prefix) belongs to the encoder rather than a dropped head. */
    static boolean isEncoderTensor(String name) {
        return name.startsWith("embeddings.") || name.startsWith("encoder.");
    }

    public int projectionSize() {
        return projectionSize;
    }

    /** The normalised embedding of {@code text}, comparable by dot product with the index's other side. */
    public float[] embed(String text) {
        return embedIds(tokenizer.encode(text));
    }

    float[] embedIds(int[] ids) {
        int n = ids.length;
        if (n > maxPositions) {
            throw new IllegalArgumentException(n + " tokens exceed max_position_embeddings " + maxPositions);
        }
        float[][] x = new float[n][hidden];
        for (int t = 0; t < n; t++) {
            if (ids[t] >= vocab) {
                throw new UnsupportedTowerException("token id " + ids[t] + " is outside the vocabulary of " + vocab);
            }
            for (int d = 0; d < hidden; d++) {
                x[t][d] = wordEmbeddings[ids[t] * hidden + d] + positionEmbeddings[t * hidden + d];
            }
        }
        int headSize = hidden / heads;
        double scale = 1.0 / Math.sqrt(headSize);
        for (Layer layer : layers) {
            float[][] h = new float[n][];
            for (int t = 0; t < n; t++) {
                h[t] = layerNorm(x[t], layer.attentionNormW(), layer.attentionNormB());
            }
            float[][] q = new float[n][];
            float[][] k = new float[n][];
            float[][] v = new float[n][];
            for (int t = 0; t < n; t++) {
                q[t] = linear(h[t], layer.qW(), layer.qB(), hidden);
                k[t] = linear(h[t], layer.kW(), layer.kB(), hidden);
                v[t] = linear(h[t], layer.vW(), layer.vB(), hidden);
            }
            float[][] context = new float[n][hidden];
            double[] scores = new double[n];
            for (int head = 0; head < heads; head++) {
                int off = head * headSize;
                for (int i = 0; i < n; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int d = 0; d < headSize; d++) {
                            s += (double) q[i][off + d] * k[j][off + d];
                        }
                        scores[j] = s * scale;
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    for (int d = 0; d < headSize; d++) {
                        double c = 0;
                        for (int j = 0; j < n; j++) {
                            c += scores[j] / sum * v[j][off + d];
                        }
                        context[i][off + d] = (float) c;
                    }
                }
            }
            for (int t = 0; t < n; t++) {
                add(x[t], linear(context[t], layer.oW(), layer.oB(), hidden));
                float[] f = linear(layerNorm(x[t], layer.ffnNormW(), layer.ffnNormB()), layer.inW(), layer.inB(), intermediate);
                for (int d = 0; d < intermediate; d++) {
                    f[d] = (float) gelu(f[d]);
                }
                add(x[t], linear(f, layer.outW(), layer.outB(), hidden));
            }
        }
        double[] pooled = new double[hidden];
        for (int t = 0; t < n; t++) {
            float[] state = layerNorm(x[t], finalNormWeight, finalNormBias);
            for (int d = 0; d < hidden; d++) {
                pooled[d] += state[d];
            }
        }
        float[] features = new float[hidden];
        for (int d = 0; d < hidden; d++) {
            features[d] = (float) (pooled[d] / Math.max(1, n));
        }
        float[] z = linear(features, projection, null, projectionSize);
        double norm = 0;
        for (float value : z) {
            norm += (double) value * value;
        }
        double divisor = Math.sqrt(norm) + 1e-8;
        for (int d = 0; d < z.length; d++) {
            z[d] = (float) (z[d] / divisor);
        }
        return z;
    }

    /** y = W x + b with W stored (out, in) row-major, as DJL's Linear and PyTorch keep it. */
    private static float[] linear(float[] x, float[] w, float[] b, int out) {
        int in = x.length;
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            double s = b == null ? 0 : b[o];
            int row = o * in;
            for (int i = 0; i < in; i++) {
                s += (double) w[row + i] * x[i];
            }
            y[o] = (float) s;
        }
        return y;
    }

    /** Biased variance, as torch's layer_norm. */
    private static float[] layerNorm(float[] x, float[] weight, float[] bias) {
        double mean = 0;
        for (float v : x) {
            mean += v;
        }
        mean /= x.length;
        double var = 0;
        for (float v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= x.length;
        double inv = 1 / Math.sqrt(var + LAYER_NORM_EPS);
        float[] y = new float[x.length];
        for (int d = 0; d < x.length; d++) {
            y[d] = (float) ((x[d] - mean) * inv * weight[d] + bias[d]);
        }
        return y;
    }

    private static void add(float[] into, float[] delta) {
        for (int d = 0; d < into.length; d++) {
            into[d] += delta[d];
        }
    }

    static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    /**
     * erf via the complementary error function's Chebyshev fit (Numerical Recipes' erfcc, fractional error under
     * 1.2e-7 everywhere: below float32 resolution for the GELU outputs).
     */
    static double erf(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double erfc = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - erfc : erfc - 1;
    }

    private static float[] tensor(Map<String, float[]> weights, String name, long expected) {
        float[] values = weights.get(name);
        if (values == null) {
            throw new UnsupportedTowerException("model.safetensors lacks the text tower's " + name);
        }
        if (values.length != expected) {
            throw new UnsupportedTowerException("the text tower's " + name + " has " + values.length + " values, not "
                    + expected + " as its config says");
        }
        return values;
    }

    private static int positive(JsonNode config, String field) {
        int value = config.path(field).asInt(0);
        if (value <= 0) {
            throw new UnsupportedTowerException("the text tower's config.json needs a positive " + field);
        }
        return value;
    }
}
