package io.modelhub.runners.recipes.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.modelhub.runners.recipes.encoders.Pooling;
import io.modelhub.runners.recipes.encoders.TorchScriptEncoder;
import io.modelhub.runners.recipes.vision.InvalidModelException;

/**
 * A text encoder (a modelhub-text {@link TextEncoderBlock} or a TorchScript module) with a linear classification
 * head on the mean of its token states over real tokens: input_ids and attention_mask in, logits out.
 * The head's parameters are "classifier.weight" (num_labels, hidden) and "classifier.bias".
 */
final class TextClassifierBlock extends AbstractBlock {

    static final String WEIGHT = "classifier.weight";
    static final String BIAS = "classifier.bias";
    private static final byte VERSION = 1;

    private final Block encoder;
    private final int hiddenSize;
    private final int numLabels;
    private final Parameter weight;
    private final Parameter bias;

    TextClassifierBlock(Block encoder, int hiddenSize, int numLabels) {
        super(VERSION);
        this.encoder = addChildBlock("encoder", encoder);
        this.hiddenSize = hiddenSize;
        this.numLabels = numLabels;
        this.weight = addParameter(Parameter.builder().setName(WEIGHT).setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(numLabels, hiddenSize)).build());
        this.bias = addParameter(Parameter.builder().setName(BIAS).setType(Parameter.Type.BIAS)
                .optShape(new Shape(numLabels)).build());
    }

    Parameter weight() {
        return weight;
    }

    Parameter bias() {
        return bias;
    }

    Block encoder() {
        return encoder;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDArray mask = inputs.get(1);
        if (!(encoder instanceof TextEncoderBlock)) {
            TorchScriptEncoder.beforeForward();
        }
        NDArray output = TorchScriptEncoder.firstOutput(encoder.forward(ps, new NDList(inputs.get(0), mask), training));
        NDArray pooled = Pooling.maskedMean(output, mask);
        if (pooled.getShape().getLastDimension() != hiddenSize) {
            throw new InvalidModelException("the encoder returned vectors of size "
                    + pooled.getShape().getLastDimension() + " but config.json says hidden_size " + hiddenSize);
        }
        return Linear.linear(pooled, ps.getValue(weight, mask.getDevice(), training),
                ps.getValue(bias, mask.getDevice(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), numLabels)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        encoder.initialize(manager, dataType, inputShapes);
    }
}
