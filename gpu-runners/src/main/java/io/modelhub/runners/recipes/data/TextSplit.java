package io.modelhub.runners.recipes.data;

import java.util.Arrays;
import java.util.List;

/**
 * One split of a text dataset: texts and, for classification, their label ids (indexes into the dataset's label
 * list; an empty array when the dataset is read without labels), in a deterministic order.
 */
public record TextSplit(String name, List<String> texts, int[] labels) implements LabelledSplit {

    public TextSplit {
        if (labels.length != 0 && texts.size() != labels.length) {
            throw new IllegalArgumentException("split " + name + " has " + texts.size() + " texts but "
                    + labels.length + " labels");
        }
        texts = List.copyOf(texts);
        labels = labels.clone();
    }

    public int size() {
        return texts.size();
    }

    public String text(int index) {
        return texts.get(index);
    }

    public boolean labelled() {
        return labels.length == texts.size() && !texts.isEmpty();
    }

    public int label(int index) {
        return labels[index];
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TextSplit split && split.name.equals(name) && split.texts.equals(texts)
                && Arrays.equals(split.labels, labels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + texts.hashCode()) + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "TextSplit[" + name + ", " + texts.size() + " texts]";
    }
}
