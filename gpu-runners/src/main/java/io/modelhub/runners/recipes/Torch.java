package io.modelhub.runners.recipes;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/** The DJL PyTorch engine and the device recipes train on. */
public final class Torch {

    public static final String ENGINE = "PyTorch";

    private Torch() {
    }

    /**
     * The PyTorch engine; named explicitly so that another engine on the classpath (ONNX Runtime for
     * evaluation) never becomes the default for training.
     */
    public static Engine engine() {
        try {
            return Engine.getEngine(ENGINE);
        } catch (IllegalArgumentException e) {
            // the usual cause: a fat jar built without merging META-INF/services, which hides DJL's engine provider
            throw new IllegalStateException("DJL's PyTorch engine is not on the classpath (" + e.getMessage()
                    + "); a shaded jar needs the ServicesResourceTransformer to keep META-INF/services entries", e);
        }
    }

    /** The first GPU when PyTorch sees one (a CUDA build of libtorch and a driver), else the CPU. */
    public static Device preferredDevice() {
        return engine().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /** E.g. "PyTorch 2.7.1 on cpu()", for the run log. */
    public static String describe(Device device) {
        Engine engine = engine();
        return engine.getEngineName() + " " + engine.getVersion() + " on " + device;
    }

    /**
     * A 0-d float32 tensor whose memory libtorch allocates and owns, for multiplying or dividing a tensor that
     * needs gradients by a constant. Not {@code array.mul(float)}: DJL's PyTorch engine wraps the number in a tensor
     * over a Java direct buffer and closes it right after the op, while autograd keeps that tensor for the backward
     * pass (d(a*s)/da = s); once the garbage collector frees the buffer, backward reads freed memory, which gave
     * random gradients and now and then a NaN loss.
     */
    public static NDArray scalar(NDManager manager, float value) {
        return manager.full(new Shape(), value, DataType.FLOAT32);
    }
}
