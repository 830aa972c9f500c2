package io.modelhub.runners.recipes.crossmodal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Two towers, a bias-free linear projection on each to a shared size, L2 normalisation, and a learned logit scale
 * (CLIP's exp(logit_scale) = 1 / temperature). Forward takes tower a's inputs then tower b's and returns
 * (embeddings a, embeddings b, scale). Tensor names: "tower_a." / "tower_b." + the tower's own names,
 * "projection_a.weight", "projection_b.weight", "logit_scale".
 */
final class DualEncoderBlock extends AbstractBlock {
    /** CLIP clamps the scale at 100 (temperature 0.01) so the logits cannot blow up. */
    static final float MAX_LOGIT_SCALE = (float) Math.log(100);

    private final Tower a;
    private final Tower b;
    private final Linear projectionA;
    private final Linear projectionB;
    private final Parameter logitScale;
    private final Map<String, Parameter> named;
    private boolean towersTraining = true;

    DualEncoderBlock(Tower a, Tower b, int projectionSize) {
        super((byte) 1);
        this.a = a;
        this.b = b;
        addChildBlock("tower_a", a.block());
        addChildBlock("tower_b", b.block());
        this.projectionA = addChildBlock("projection_a", Linear.builder().setUnits(projectionSize).optBias(false).build());
        this.projectionB = addChildBlock("projection_b", Linear.builder().setUnits(projectionSize).optBias(false).build());
        this.logitScale = addParameter(Parameter.builder().setName("logit_scale").setType(Parameter.Type.OTHER)
                .optShape(new Shape(1)).build());
        Map<String, Parameter> names = new LinkedHashMap<>();
        a.namedParameters().forEach((n, p) -> names.put("tower_a." + n, p));
        b.namedParameters().forEach((n, p) -> names.put("tower_b." + n, p));
        names.put("projection_a.weight", projectionA.getParameters().get("weight"));
        names.put("projection_b.weight", projectionB.getParameters().get("weight"));
        names.put("logit_scale", logitScale);
        this.named = Collections.unmodifiableMap(names);
    }

    Map<String, Parameter> namedParameters() {
        return named;
    }

    Tower towerA() {
        return a;
    }

    Tower towerB() {
        return b;
    }

    /** Frozen towers run as at inference (batch norm keeps its statistics) while the projections train. */
    void freezeTowers() {
        a.block().freezeParameters(true);
        b.block().freezeParameters(true);
        towersTraining = false;
    }

    /** Normalised embeddings (batch, projection size) of one side. */
    NDArray embed(ParameterStore store, boolean sideA, NDList inputs, boolean training) {
        Tower tower = sideA ? a : b;
        NDList features = tower.block().forward(store, inputs, training && towersTraining, null);
        NDArray projected = (sideA ? projectionA : projectionB).forward(store, features, training, null).singletonOrThrow();
        return projected.div(projected.norm(new int[] {1}, true).add(1e-8f));
    }

    /** exp(clamped logit_scale). */
    NDArray scale(ParameterStore store, NDManager manager) {
        return store.getValue(logitScale, manager.getDevice(), false).clip(0f, MAX_LOGIT_SCALE).exp();
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        int na = a.inputShapes().length;
        NDList inA = new NDList(inputs.subList(0, na));
        NDList inB = new NDList(inputs.subList(na, inputs.size()));
        return new NDList(embed(store, true, inA, training), embed(store, false, inB, training),
                scale(store, inputs.head().getManager()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long batch = inputShapes[0].get(0);
        long size = projectionA.getOutputShapes(new Shape[] {new Shape(batch, a.featureSize())})[0].get(1);
        return new Shape[] {new Shape(batch, size), new Shape(batch, size), new Shape(1)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        int na = a.inputShapes().length;
        Shape[] inA = Arrays.copyOfRange(inputShapes, 0, na);
        Shape[] inB = Arrays.copyOfRange(inputShapes, na, inputShapes.length);
        a.block().initialize(manager, dataType, inA);
        b.block().initialize(manager, dataType, inB);
        projectionA.initialize(manager, dataType, a.block().getOutputShapes(inA));
        projectionB.initialize(manager, dataType, b.block().getOutputShapes(inB));
    }
}
