package io.modelhub.runners.recipes.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * One split of a class-folder dataset: files and their label ids (indexes into the dataset's label list), in a
 * deterministic order (sorted by path, or by the seeded split that produced it).
 */
public record LabelledFiles(String name, List<Path> files, int[] labels) implements LabelledSplit {

    public LabelledFiles {
        if (files.size() != labels.length) {
            throw new IllegalArgumentException("split " + name + " has " + files.size() + " files but "
                    + labels.length + " labels");
        }
        files = List.copyOf(files);
        labels = labels.clone();
    }

    public int size() {
        return labels.length;
    }

    public Path file(int index) {
        return files.get(index);
    }

    public int label(int index) {
        return labels[index];
    }

    @Override
    public int[] labels() {
        return labels.clone();
    }

    /** Number of files per label id, for logs and sanity checks. */
    public int[] countsPerLabel(int numLabels) {
        int[] counts = new int[numLabels];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LabelledFiles split && split.name.equals(name) && split.files.equals(files)
                && Arrays.equals(split.labels, labels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + files.hashCode()) + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "LabelledFiles[" + name + ", " + labels.length + " files]";
    }
}
