package io.modelhub.runners.recipes;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A block whose parameters are named as the public checkpoint names them ("encoder.layer.0.attention.self.query
 * .weight"), registered flat and looked up by that name in the forward pass: the transformers-layout models (BERT,
 * ViT, wav2vec2) load and save names in, names out.
 */
public abstract class NamedParameterBlock extends AbstractBlock {

    private final Map<String, Parameter> named = new LinkedHashMap<>();

    protected NamedParameterBlock(byte version) {
        super(version);
    }

    /** Every parameter by its public name, in registration order. */
    public Map<String, Parameter> namedParameters() {
        return Collections.unmodifiableMap(named);
    }

    protected void param(String name, Parameter.Type type, Shape shape) {
        Parameter parameter = Parameter.builder().setName(name).setType(type).optShape(shape).build();
        addParameter(parameter);
        named.put(name, parameter);
    }

    /** {@code name.weight} (out, in) and {@code name.bias} (out), as torch.nn.Linear names them. */
    protected void linear(String name, int in, int out) {
        param(name + ".weight", Parameter.Type.WEIGHT, new Shape(out, in));
        param(name + ".bias", Parameter.Type.BIAS, new Shape(out));
    }

    /** {@code name.weight} and {@code name.bias} of a LayerNorm over {@code size} features. */
    protected void norm(String name, int size) {
        param(name + ".weight", Parameter.Type.GAMMA, new Shape(size));
        param(name + ".bias", Parameter.Type.BETA, new Shape(size));
    }

    /** The value of the parameter called {@code name} on this forward pass's device. */
    protected NDArray v(ParameterStore ps, String name, boolean training) {
        return ps.getValue(named.get(name), ps.getManager().getDevice(), training);
    }

    /** The parameter called {@code name}, or null. */
    protected Parameter named(String name) {
        return named.get(name);
    }
}
