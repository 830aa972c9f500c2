package io.modelhub.runners.recipes.vision;

import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.training.ClassifierTraining;
import java.util.List;

/** The decoded splits of an image folder dataset at one image size, with its label names. */
public record ImageClassificationData(List<String> labels, DecodedImages train, DecodedImages validation,
        DecodedImages test) {

    public ImageClassificationData {
        labels = List.copyOf(labels);
    }

    public static ImageClassificationData decode(ImageFolderDataset dataset, int imageSize) {
        return new ImageClassificationData(dataset.labels(), DecodedImages.of(dataset.train(), imageSize),
                DecodedImages.of(dataset.validation(), imageSize), DecodedImages.of(dataset.test(), imageSize));
    }

    public ClassifierTraining.Splits<DecodedImages> splits() {
        return new ClassifierTraining.Splits<>(train, validation, test);
    }

    /** E.g. "4 classes (a, b, c, d); 144 train, 16 validation, 80 test images at 32x32 px". */
    public String describe() {
        int size = train.imageSize();
        String names = labels.size() <= 10 ? " (" + String.join(", ", labels) + ")" : "";
        return labels.size() + " classes" + names + "; " + train.size() + " train, " + validation.size()
                + " validation, " + test.size() + " test images at " + size + "x" + size + " px";
    }
}
