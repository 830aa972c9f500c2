package io.modelhub.runners.recipes.vision;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Blocks;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The modelhub-cnn network as a DJL block: a backbone (conv stages, and the dense hidden layers if any; see
 * {@link CnnConfig}) and a linear classifier. It keeps references to its layers so that every parameter has a stable, PyTorch-style name
 * ("backbone.conv0.weight", "backbone.bn0.running_mean", "backbone.fc0.bias", "classifier.weight") independent of DJL's generated
 * block names, which change with the block tree; those names are the keys in model.safetensors.
 */
public final class CnnBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final SequentialBlock backbone;
    private final Linear classifier;
    private final Map<String, Parameter> named;
    private boolean backboneTraining = true;

    public CnnBlock(CnnConfig config) {
        super(VERSION);
        Map<String, Parameter> names = new LinkedHashMap<>();
        SequentialBlock stages = config.isClassic()
                ? convStages(config.channels(), config.kernelSize(), "backbone.", names)
                : backbone(config, "backbone.", names);
        Linear head = Linear.builder().setUnits(config.numLabels()).build();
        names.put("classifier.weight", head.getParameters().get("weight"));
        names.put("classifier.bias", head.getParameters().get("bias"));
        checkNamed(names);
        this.backbone = addChildBlock("backbone", stages);
        this.classifier = addChildBlock("classifier", head);
        this.named = Collections.unmodifiableMap(new TreeMap<>(names));
    }

    /**
     * The conv tower of modelhub-cnn, also the platform audio encoder's: stage i is conv{i} (kernelSize, same
     * padding, no bias) -> batch norm -> ReLU, then 2x2 max pooling except after the last stage, which is averaged
     * over all positions, so the output is (batch, last channels) for any input height, width and channel count.
     * Its parameters are added to {@code names} as {@code prefix + "conv0.weight"}, {@code prefix + "bn0.bias"}, ...
     */
    public static SequentialBlock convStages(List<Integer> channels, int kernelSize, String prefix,
            Map<String, Parameter> names) {
        SequentialBlock stages = new SequentialBlock();
        int last = channels.size() - 1;
        for (int i = 0; i <= last; i++) {
            addStage(stages, i, channels.get(i), kernelSize, kernelSize / 2, true, prefix, names);
            stages.add(i < last ? Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2))
                    : Pool.globalAvgPool2dBlock());
        }
        return stages;
    }

    /**
     * Every layer but the classifier, for any {@link CnnConfig}: the conv stages, then with head "flatten" a last
     * max pool and a flatten, then per hidden width j: dropout (if any) -> fc{j} -> ReLU, and a last dropout on
     * the classifier's input. Names: conv{i}.weight (+ conv{i}.bias without batch norm), bn{i}.*, fc{j}.weight and
     * fc{j}.bias, all under {@code prefix}; dropout has no parameters, so the rate never changes a file's tensors.
     */
    static SequentialBlock backbone(CnnConfig config, String prefix, Map<String, Parameter> names) {
        SequentialBlock stages = new SequentialBlock();
        List<Integer> channels = config.channels();
        int last = channels.size() - 1;
        int padding = CnnConfig.PADDING_SAME.equals(config.padding()) ? config.kernelSize() / 2 : 0;
        boolean flatten = CnnConfig.HEAD_FLATTEN.equals(config.head());
        for (int i = 0; i <= last; i++) {
            addStage(stages, i, channels.get(i), config.kernelSize(), padding, config.batchNorm(), prefix, names);
            stages.add(i < last || flatten ? Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2))
                    : Pool.globalAvgPool2dBlock());
        }
        if (flatten) {
            stages.add(Blocks.batchFlattenBlock());
        }
        for (int j = 0; j < config.hiddenSizes().size(); j++) {
            addDropout(stages, config.dropout());
            Linear fc = Linear.builder().setUnits(config.hiddenSizes().get(j)).build();
            stages.add(fc).add(Activation.reluBlock());
            names.put(prefix + "fc" + j + ".weight", fc.getParameters().get("weight"));
            names.put(prefix + "fc" + j + ".bias", fc.getParameters().get("bias"));
        }
        addDropout(stages, config.dropout());
        return stages;
    }

    private static void addStage(SequentialBlock stages, int i, int filters, int kernelSize, int padding,
            boolean batchNorm, String prefix, Map<String, Parameter> names) {
        // with batch norm no conv bias: the norm's own shift right after it would make a bias redundant
        Conv2d conv = Conv2d.builder()
                .setFilters(filters)
                .setKernelShape(new Shape(kernelSize, kernelSize))
                .optPadding(new Shape(padding, padding))
                .optBias(!batchNorm)
                .build();
        stages.add(conv);
        names.put(prefix + "conv" + i + ".weight", conv.getParameters().get("weight"));
        if (batchNorm) {
            BatchNorm bn = BatchNorm.builder().build();
            stages.add(bn);
            names.put(prefix + "bn" + i + ".weight", bn.getParameters().get("gamma"));
            names.put(prefix + "bn" + i + ".bias", bn.getParameters().get("beta"));
            names.put(prefix + "bn" + i + ".running_mean", bn.getParameters().get("runningMean"));
            names.put(prefix + "bn" + i + ".running_var", bn.getParameters().get("runningVar"));
        } else {
            names.put(prefix + "conv" + i + ".bias", conv.getParameters().get("bias"));
        }
        stages.add(Activation.reluBlock());
    }

    private static void addDropout(SequentialBlock stages, float rate) {
        if (rate > 0) {
            stages.add(Dropout.builder().optRate(rate).build());
        }
    }

    /** Fails fast if a DJL version renamed a layer's parameters (a name would then map to null). */
    public static void checkNamed(Map<String, Parameter> names) {
        for (Map.Entry<String, Parameter> entry : names.entrySet()) {
            if (entry.getValue() == null) {
                throw new IllegalStateException("DJL layer has no parameter for " + entry.getKey());
            }
        }
    }

    /** Parameters by their safetensors name, sorted by name. */
    public Map<String, Parameter> namedParameters() {
        return named;
    }

    /**
     * With false, the backbone runs in inference mode even during training: batch norm uses (and keeps) its
     * running statistics. Used with frozen backbone weights, where updating the statistics would still change
     * what the frozen backbone computes.
     */
    public void setBackboneTraining(boolean backboneTraining) {
        this.backboneTraining = backboneTraining;
    }

    public SequentialBlock backbone() {
        return backbone;
    }

    public Linear classifier() {
        return classifier;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDList features = backbone.forward(parameterStore, inputs, training && backboneTraining, params);
        return classifier.forward(parameterStore, features, training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return classifier.getOutputShapes(backbone.getOutputShapes(inputShapes));
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        backbone.initialize(manager, dataType, inputShapes);
        classifier.initialize(manager, dataType, backbone.getOutputShapes(inputShapes));
    }
}
