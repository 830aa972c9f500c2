package io.modelhub.runners.recipes.data;

/** One split of a labelled dataset: its examples' label ids (indexes into the dataset's label list), in order. */
public interface LabelledSplit {
    int size();

    /** The dataset's label id of example {@code index}. */
    int label(int index);
}
