package io.modelhub.runners.recipes.encoders;

import ai.djl.ndarray.NDArray;

/** Turns an encoder's output into one vector per input, whatever the modality. */
public final class Pooling {

    private Pooling() {
    }

    /**
     * (batch, hidden) is returned as it is (the encoder pooled already); (batch, seq, hidden) is averaged over the
     * positions where {@code mask} (batch, seq) is non-zero, i.e. over real tokens or frames, not padding.
     */
    public static NDArray maskedMean(NDArray output, NDArray mask) {
        long dims = output.getShape().dimension();
        if (dims == 2) {
            return output;
        }
        if (dims != 3) {
            throw new IllegalArgumentException("an encoder output must be (batch, hidden) or (batch, seq, hidden),"
                    + " not " + output.getShape());
        }
        NDArray weights = mask.toType(output.getDataType(), false).expandDims(-1);
        NDArray counts = weights.sum(new int[] {1}).maximum(1f);
        return output.mul(weights).sum(new int[] {1}).div(counts);
    }
}
