package io.modelhub.runners.recipes.training;

import ai.djl.training.tracker.Tracker;
import java.util.Locale;

/**
 * The learning rate of every optimizer step: constant (what the platform encoders, images and audio train with), or
 * transformers' {@code get_linear_schedule_with_warmup}: from 0 up to the peak over the first
 * {@code ceil(warmupRatio * totalSteps)} steps, then linearly down to 0 at the last step. As in transformers, step
 * 0 (the first update) uses the value at 0, so with warm-up the first update does not move the weights.
 *
 * @param peak the learning rate after warm-up (the constant one without a schedule)
 * @param warmupRatio fraction of the steps spent warming up; negative: no schedule, the rate stays at peak
 */
public record LearningRateSchedule(float peak, double warmupRatio) {

    /** A constant learning rate. */
    public static LearningRateSchedule constant(float learningRate) {
        return new LearningRateSchedule(learningRate, -1);
    }

    /** Warm-up over {@code warmupRatio} of the steps, then linear decay to 0. */
    public static LearningRateSchedule linear(float learningRate, double warmupRatio) {
        if (warmupRatio < 0 || warmupRatio > 1) {
            throw new IllegalArgumentException("warmup_ratio must be in [0, 1], got " + warmupRatio);
        }
        return new LearningRateSchedule(learningRate, warmupRatio);
    }

    public boolean isConstant() {
        return warmupRatio < 0;
    }

    /** Warm-up steps of a run of totalSteps optimizer steps. */
    public int warmupSteps(long totalSteps) {
        return isConstant() ? 0 : (int) Math.ceil(warmupRatio * totalSteps);
    }

    /** The learning rate of optimizer step {@code step} (0-based) of a run of {@code totalSteps} steps. */
    public float at(long step, long totalSteps) {
        if (isConstant()) {
            return peak;
        }
        int warmup = warmupSteps(totalSteps);
        if (step < warmup) {
            return peak * step / warmup;
        }
        return peak * Math.max(0f, (float) (totalSteps - step) / Math.max(1, totalSteps - warmup));
    }

    /**
     * The DJL tracker of a trainer whose first update is step {@code firstStep} of the run (0, or the step of the
     * checkpoint a resumed run starts from). DJL counts updates from 1.
     */
    public Tracker tracker(long firstStep, long totalSteps) {
        if (isConstant()) {
            return Tracker.fixed(peak);
        }
        return numUpdate -> at(firstStep + Math.max(0, numUpdate - 1), totalSteps);
    }

    public String describe(long totalSteps) {
        return isConstant() ? String.format(Locale.ROOT, "constant learning rate %.3g", peak)
                : String.format(Locale.ROOT, "learning rate %.3g, linear warm-up over %d of %d steps then linear "
                        + "decay to 0", peak, warmupSteps(totalSteps), totalSteps);
    }
}
