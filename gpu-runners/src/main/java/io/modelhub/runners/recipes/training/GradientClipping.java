package io.modelhub.runners.recipes.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_ (and transformers' max_grad_norm): when the
 * L2 norm of all trainable parameters' gradients together exceeds {@code maxNorm}, every gradient is scaled in place
 * by {@code maxNorm / (norm + 1e-6)}. Runs between the backward pass and the optimizer step.
 */
public final class GradientClipping {

    private GradientClipping() {
    }

    /** Clips the gradients of the trainer's model; returns their global norm before clipping. */
    public static double clip(Trainer trainer, double maxNorm) {
        List<NDArray> gradients = new ArrayList<>();
        for (Pair<String, Parameter> pair : trainer.getModel().getBlock().getParameters()) {
            Parameter parameter = pair.getValue();
            if (parameter.requiresGradient() && parameter.isInitialized() && parameter.getArray().hasGradient()) {
                gradients.add(parameter.getArray().getGradient());
            }
        }
        try {
            double sumOfSquares = 0;
            for (NDArray gradient : gradients) {
                try (NDArray squared = gradient.square(); NDArray sum = squared.sum()) {
                    sumOfSquares += sum.getFloat();
                }
            }
            double norm = Math.sqrt(sumOfSquares);
            if (maxNorm > 0 && norm > maxNorm) {
                float scale = (float) (maxNorm / (norm + 1e-6));
                for (NDArray gradient : gradients) {
                    gradient.muli(scale);
                }
            }
            return norm;
        } finally {
            // the handles only: the gradients themselves stay with their parameters
            gradients.forEach(NDArray::close);
        }
    }
}
