package io.modelhub.runners.recipes.audio;

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
import io.modelhub.runners.recipes.vision.CnnBlock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** An {@link AudioEncoder} ("backbone") followed by a linear classification head ("classifier"). */
public final class AudioClassifierBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Block backbone;
    private final Linear classifier;
    private final Map<String, Parameter> named;
    private boolean backboneTraining = true;

    public AudioClassifierBlock(AudioEncoder encoder, int numLabels) {
        super(VERSION);
        Map<String, Parameter> names = new LinkedHashMap<>(encoder.namedParameters());
        Linear head = Linear.builder().setUnits(numLabels).build();
        names.put("classifier.weight", head.getParameters().get("weight"));
        names.put("classifier.bias", head.getParameters().get("bias"));
        CnnBlock.checkNamed(names);
        this.backbone = addChildBlock("backbone", encoder.block());
        this.classifier = addChildBlock("classifier", head);
        this.named = Collections.unmodifiableMap(new TreeMap<>(names));
    }

    /** Parameters by their safetensors name, sorted by name. */
    public Map<String, Parameter> namedParameters() {
        return named;
    }

    public Block backbone() {
        return backbone;
    }

    /** With false, the backbone runs in inference mode during training too (see CnnBlock#setBackboneTraining). */
    public void setBackboneTraining(boolean backboneTraining) {
        this.backboneTraining = backboneTraining;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDList embedding = backbone.forward(parameterStore, inputs, training && backboneTraining, params);
        return classifier.forward(parameterStore, embedding, training, params);
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
