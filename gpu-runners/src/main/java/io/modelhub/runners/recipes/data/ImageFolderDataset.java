package io.modelhub.runners.recipes.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * An image classification dataset in the Hugging Face "imagefolder" layout ({@code train/<label>/*.png|jpg},
 * validation and test alike, optionally below {@code data/}): a {@link ClassFolderDataset} of
 * {@link MediaKind#IMAGES}, whose splits are {@link LabelledFiles} for {@link DecodedImages}. See
 * {@link ClassFolderDataset} for split names, label ids and how missing splits are derived.
 */
public final class ImageFolderDataset implements SplitDataset<LabelledFiles> {

    /** Share of each train class moved to validation when the dataset has no validation split. */
    public static final double VALIDATION_FRACTION = ClassFolderDataset.VALIDATION_FRACTION;

    private final ClassFolderDataset folders;

    private ImageFolderDataset(ClassFolderDataset folders) {
        this.folders = folders;
    }

    /**
     * Scans {@code root}. Only file names are read here; pixels are decoded later by {@link DecodedImages}.
     *
     * @param seed seeds the validation split carved out of train when the dataset has none
     * @throws DatasetException when the folder does not have the imagefolder layout
     */
    public static ImageFolderDataset open(Path root, long seed) throws IOException {
        return new ImageFolderDataset(ClassFolderDataset.open(root, seed, MediaKind.IMAGES));
    }

    public Path root() {
        return folders.root();
    }

    /** Label names; the index of a name is its label id. */
    public List<String> labels() {
        return folders.labels();
    }

    public LabelledFiles train() {
        return folders.train();
    }

    public LabelledFiles validation() {
        return folders.validation();
    }

    public LabelledFiles test() {
        return folders.test();
    }

    /** What was derived rather than found (missing splits), for the run log. */
    public List<String> notes() {
        return folders.notes();
    }
}
