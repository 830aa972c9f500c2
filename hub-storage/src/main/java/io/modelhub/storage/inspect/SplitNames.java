package io.modelhub.storage.inspect;

import java.util.Locale;
import java.util.Map;

/**
 * Dataset split names as Hugging Face datasets use them, shared by the hub's dataset inspector and the runners'
 * loaders so that both read a repository the same way: folder or file names train/training, validation/val/valid/
 * eval/dev, test/testing, also as file name stems (train.csv, data/train-00000-of-00001.parquet).
 */
public final class SplitNames {
    private static final Map<String, String> CANONICAL = Map.of("train", "train", "training", "train",
            "validation", "validation", "val", "validation", "valid", "validation", "eval", "validation",
            "dev", "validation", "test", "test", "testing", "test");

    private SplitNames() {
    }

    /** "train", "validation" or "test" for a split's folder name (any case), else null. */
    public static String canonical(String name) {
        return name == null ? null : CANONICAL.get(name.toLowerCase(Locale.ROOT));
    }

    /**
     * The split a file belongs to, from its repository path ("/"-separated): a root file by its name's stem
     * (train.csv, train-00000-of-00001.jsonl), a file directly in data/ likewise, anything deeper by its first folder.
     */
    public static String ofPath(String path) {
        String[] parts = path.split("/");
        if (parts.length == 1) {
            return canonical(stem(parts[0]));
        }
        if (parts[0].equalsIgnoreCase("data") && parts.length == 2) {
            return canonical(stem(parts[1]));
        }
        return canonical(parts[0]);
    }

    private static String stem(String fileName) {
        int cut = fileName.length();
        for (char c : new char[] {'.', '-', '_'}) {
            int i = fileName.indexOf(c);
            if (i > 0) {
                cut = Math.min(cut, i);
            }
        }
        return fileName.substring(0, cut);
    }
}
