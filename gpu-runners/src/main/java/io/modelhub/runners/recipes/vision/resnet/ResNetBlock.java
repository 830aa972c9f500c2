package io.modelhub.runners.recipes.vision.resnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.modelhub.runners.recipes.vision.resnet.TimmResNetConfig.Architecture;
import io.modelhub.runners.recipes.vision.resnet.TimmResNetConfig.Unit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A torchvision / timm ResNet as one DJL block whose parameter names are the state-dict keys of
 * {@code torchvision.models.resnet18()} etc. (timm's ResNet uses the same names), so model.safetensors loads and saves
 * by name:
 * <pre>
 *   conv1.weight                         7x7 stride 2, no bias; then bn1, ReLU, 3x3 stride 2 max pool
 *   bn1.{weight,bias,running_mean,running_var}
 *   layerS.I.conv1 / bn1 / conv2 / bn2   BasicBlock: 3x3 (stride), 3x3
 *   layerS.I.conv3 / bn3                 Bottleneck: 1x1, 3x3 (stride), 1x1 to 4x the width
 *   layerS.I.downsample.0 / .1           1x1 conv (stride) + batch norm on the shortcut of a stage's first block
 *   fc.{weight,bias}                     after global average pooling (absent when num_classes is 0)
 * </pre>
 * Batch norm's {@code num_batches_tracked} is not a parameter here (it only matters to PyTorch's momentum=None
 * mode, which torchvision does not use); {@link #norms()} lists the layers that have one, and this block counts
 * the batches it normalised with batch statistics, so a saved file carries a value PyTorch can load strictly.
 * Input: (batch, 3, H, W) float32, normalised; any H, W from 32 px up. Output: the logits, or the pooled
 * features without fc.
 */
public final class ResNetBlock extends AbstractBlock {

    private static final byte VERSION = 1;
    /** torch.nn.BatchNorm2d's defaults; DJL's momentum is the running statistics' keep factor (1 - 0.1). */
    private static final float BN_EPS = 1e-5f;
    private static final float BN_KEEP = 0.9f;
    private static final int[] WIDTHS = {64, 128, 256, 512};

    private final TimmResNetConfig config;
    private final Map<String, Parameter> named = new LinkedHashMap<>();
    private final List<String> norms = new ArrayList<>();
    private boolean backboneTraining = true;
    private long batchesTracked;

    public ResNetBlock(TimmResNetConfig config) {
        super(VERSION);
        this.config = config;
        Architecture a = config.architecture();
        int expansion = a.unit().expansion();
        conv("conv1", 3, 64, 7);
        norm("bn1", 64);
        int in = 64;
        for (int s = 0; s < 4; s++) {
            int width = WIDTHS[s];
            for (int i = 0; i < a.blocks()[s]; i++) {
                String p = "layer" + (s + 1) + "." + i + ".";
                if (a.unit() == Unit.BASIC) {
                    conv(p + "conv1", in, width, 3);
                    norm(p + "bn1", width);
                    conv(p + "conv2", width, width, 3);
                    norm(p + "bn2", width);
                } else {
                    conv(p + "conv1", in, width, 1);
                    norm(p + "bn1", width);
                    conv(p + "conv2", width, width, 3);
                    norm(p + "bn2", width);
                    conv(p + "conv3", width, width * expansion, 1);
                    norm(p + "bn3", width * expansion);
                }
                if (i == 0 && (s > 0 || in != width * expansion)) {
                    conv(p + "downsample.0", in, width * expansion, 1);
                    norm(p + "downsample.1", width * expansion);
                }
                in = width * expansion;
            }
        }
        if (config.numClasses() > 0) {
            param("fc.weight", Parameter.Type.WEIGHT, new Shape(config.numClasses(), a.numFeatures()));
            param("fc.bias", Parameter.Type.BIAS, new Shape(config.numClasses()));
        }
    }

    private void param(String name, Parameter.Type type, Shape shape) {
        // running statistics are updated by batch norm itself, never by gradients (libtorch refuses them)
        boolean statistic = type == Parameter.Type.RUNNING_MEAN || type == Parameter.Type.RUNNING_VAR;
        Parameter parameter = Parameter.builder().setName(name).setType(type).optShape(shape)
                .optRequiresGrad(!statistic).build();
        addParameter(parameter);
        named.put(name, parameter);
    }

    private void conv(String name, int in, int out, int kernel) {
        param(name + ".weight", Parameter.Type.WEIGHT, new Shape(out, in, kernel, kernel));
    }

    private void norm(String name, int channels) {
        param(name + ".weight", Parameter.Type.GAMMA, new Shape(channels));
        param(name + ".bias", Parameter.Type.BETA, new Shape(channels));
        param(name + ".running_mean", Parameter.Type.RUNNING_MEAN, new Shape(channels));
        param(name + ".running_var", Parameter.Type.RUNNING_VAR, new Shape(channels));
        norms.add(name);
    }

    public TimmResNetConfig config() {
        return config;
    }

    /** Every parameter by its torchvision name, in state-dict order. */
    public Map<String, Parameter> namedParameters() {
        return Collections.unmodifiableMap(named);
    }

    /** The batch norm layers ("bn1", "layer1.0.bn1", "layer2.0.downsample.1", ...), each with a num_batches_tracked. */
    public List<String> norms() {
        return Collections.unmodifiableList(norms);
    }

    /** Whether a parameter belongs to the backbone (everything but fc). */
    public static boolean inBackbone(String name) {
        return !name.startsWith("fc.");
    }

    /**
     * With false, the backbone's batch norm uses and keeps its running statistics even in training (a frozen
     * backbone: updating them would still change what it computes).
     */
    public void setBackboneTraining(boolean training) {
        this.backboneTraining = training;
    }

    /** Training forward passes that updated the batch norm statistics since this block was built. */
    public long batchesTracked() {
        return batchesTracked;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray features = features(ps, inputs.singletonOrThrow(), training);
        if (config.numClasses() == 0) {
            return new NDList(features);
        }
        return new NDList(Linear.linear(features, v(ps, "fc.weight", training), v(ps, "fc.bias", training))
                .singletonOrThrow());
    }

    /**
     * The globally average-pooled output of layer4, (batch, num_features): what fc reads, timm's pre-logits
     * features. In training, batch norm uses batch statistics unless {@link #setBackboneTraining} said false.
     */
    public NDArray features(ParameterStore ps, NDArray images, boolean training) {
        boolean bnTraining = training && backboneTraining;
        if (bnTraining) {
            batchesTracked++;
        }
        Architecture a = config.architecture();
        NDArray x = images;
        x = Activation.relu(bn(ps, "bn1", conv(ps, "conv1", x, 2, 3, training), bnTraining));
        x = Pool.maxPool2d(x, new Shape(3, 3), new Shape(2, 2), new Shape(1, 1), false);
        for (int s = 0; s < 4; s++) {
            for (int i = 0; i < a.blocks()[s]; i++) {
                String p = "layer" + (s + 1) + "." + i + ".";
                int stride = i == 0 && s > 0 ? 2 : 1;
                NDArray shortcut = named.containsKey(p + "downsample.0.weight")
                        ? bn(ps, p + "downsample.1", conv(ps, p + "downsample.0", x, stride, 0, training), bnTraining)
                        : x;
                NDArray y;
                if (a.unit() == Unit.BASIC) {
                    y = Activation.relu(bn(ps, p + "bn1", conv(ps, p + "conv1", x, stride, 1, training), bnTraining));
                    y = bn(ps, p + "bn2", conv(ps, p + "conv2", y, 1, 1, training), bnTraining);
                } else {
                    // torchvision's (and timm's) "ResNet v1.5": the stride sits on the 3x3 conv
                    y = Activation.relu(bn(ps, p + "bn1", conv(ps, p + "conv1", x, 1, 0, training), bnTraining));
                    y = Activation.relu(bn(ps, p + "bn2", conv(ps, p + "conv2", y, stride, 1, training), bnTraining));
                    y = bn(ps, p + "bn3", conv(ps, p + "conv3", y, 1, 0, training), bnTraining);
                }
                x = Activation.relu(y.add(shortcut));
            }
        }
        return Pool.globalAvgPool2d(x).reshape(x.getShape().get(0), a.numFeatures());
    }

    private NDArray conv(ParameterStore ps, String name, NDArray x, int stride, int padding, boolean training) {
        return Conv2d.conv2d(x, v(ps, name + ".weight", training), null, new Shape(stride, stride),
                new Shape(padding, padding), new Shape(1, 1), 1).singletonOrThrow();
    }

    /** @param bnTraining normalise with the batch's statistics and update the running ones */
    private NDArray bn(ParameterStore ps, String name, NDArray x, boolean bnTraining) {
        return BatchNorm.batchNorm(x, v(ps, name + ".running_mean", false), v(ps, name + ".running_var", false),
                v(ps, name + ".weight", true), v(ps, name + ".bias", true), 1, BN_KEEP, BN_EPS, bnTraining)
                .singletonOrThrow();
    }

    private NDArray v(ParameterStore ps, String name, boolean training) {
        return ps.getValue(named.get(name), ps.getManager().getDevice(), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        int outputs = config.numClasses() > 0 ? config.numClasses() : config.architecture().numFeatures();
        return new Shape[] {new Shape(batch, outputs)};
    }
}
