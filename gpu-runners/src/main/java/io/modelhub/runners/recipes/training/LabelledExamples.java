package io.modelhub.runners.recipes.training;

/** A split a classifier trains or is scored on: examples by index and their label ids. */
public interface LabelledExamples {
    int size();

    int label(int index);
}
