package io.modelhub.runners.recipes.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.training.tracker.Tracker;
import org.junit.jupiter.api.Test;

/** transformers' get_linear_schedule_with_warmup, step by step. */
class LearningRateScheduleTest {

    @Test
    void warmsUpThenDecaysLinearlyToZero() {
        LearningRateSchedule schedule = LearningRateSchedule.linear(1f, 0.1);
        assertEquals(10, schedule.warmupSteps(100));
        assertEquals(0f, schedule.at(0, 100));
        assertEquals(0.5f, schedule.at(5, 100), 1e-6);
        assertEquals(1f, schedule.at(10, 100), 1e-6);
        assertEquals(0.5f, schedule.at(55, 100), 1e-6);
        assertEquals(1f / 90, schedule.at(99, 100), 1e-6);
        assertEquals(0f, schedule.at(100, 100));
        // DJL counts updates from 1; a resumed run's trainer starts at the checkpoint's step
        Tracker fresh = schedule.tracker(0, 100);
        Tracker resumed = schedule.tracker(55, 100);
        assertEquals(schedule.at(0, 100), fresh.getNewValue(1));
        assertEquals(schedule.at(55, 100), resumed.getNewValue(1));
        assertEquals(schedule.at(56, 100), resumed.getNewValue(2));
    }

    @Test
    void noWarmupAndConstant() {
        assertEquals(1f, LearningRateSchedule.linear(1f, 0).at(0, 10));
        assertEquals(0.5f, LearningRateSchedule.linear(1f, 0).at(5, 10), 1e-6);
        assertEquals(3e-3f, LearningRateSchedule.constant(3e-3f).tracker(7, 10).getNewValue(100));
    }
}
