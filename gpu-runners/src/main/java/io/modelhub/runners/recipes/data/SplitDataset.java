package io.modelhub.runners.recipes.data;

import java.util.List;

/** A labelled dataset read as its three splits (class folders, a labelled text table...). */
public interface SplitDataset<S extends LabelledSplit> {
    /** The label names, in label-id order. */
    List<String> labels();

    S train();

    S validation();

    S test();

    /** What reading the dataset noticed (skipped files, a split made from train...), for the job's log. */
    List<String> notes();
}
