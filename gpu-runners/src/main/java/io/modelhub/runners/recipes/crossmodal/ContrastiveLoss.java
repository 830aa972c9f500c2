package io.modelhub.runners.recipes.crossmodal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import io.modelhub.runners.recipes.Torch;

/**
 * CLIP's symmetric InfoNCE: with logits = scale * a b^T over a batch of n pairs, the mean of the cross-entropy of
 * each a against all b (its own pair is the right class) and of each b against all a. Predictions are
 * {@link DualEncoderBlock}'s (a, b, scale); labels are implied by position and ignored.
 */
final class ContrastiveLoss extends Loss {

    ContrastiveLoss() {
        super("contrastive");
    }

    static NDArray of(NDList predictions) {
        NDArray a = predictions.get(0);
        NDArray b = predictions.get(1);
        NDArray logits = a.matMul(b.transpose()).mul(predictions.get(2));
        long n = logits.getShape().get(0);
        NDArray eye = logits.getManager().eye((int) n);
        NDArray aToB = logits.logSoftmax(1).mul(eye).sum().neg();
        NDArray bToA = logits.logSoftmax(0).mul(eye).sum().neg();
        // not div(float): autograd keeps the divisor for backward, so it must be memory libtorch owns (see Torch.scalar)
        return aToB.add(bToA).div(Torch.scalar(logits.getManager(), 2f * n));
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return of(predictions);
    }
}
