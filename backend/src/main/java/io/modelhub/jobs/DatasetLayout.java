package io.modelhub.jobs;

import io.modelhub.commits.RepoFile;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a dataset repository holds, read from its file paths: splits (train/validation/test by the usual folder
 * names), class labels of a folder dataset ({@code train/<label>/<file>}), and the modality of its files.
 */
public record DatasetLayout(String modality, Set<String> labels, Map<String, Integer> filesPerSplit) {
    private static final Set<String> IMAGE = Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp");
    private static final Set<String> AUDIO = Set.of("wav", "flac", "mp3", "ogg");
    private static final Set<String> TEXT = Set.of("csv", "jsonl", "json", "txt", "tsv", "parquet");
    private static final Map<String, String> SPLITS = Map.of("train", "train", "training", "train", "validation", "validation",
            "val", "validation", "valid", "validation", "eval", "validation", "dev", "validation", "test", "test", "testing", "test");

    public static DatasetLayout of(List<RepoFile> files) {
        Set<String> labels = new TreeSet<>();
        Map<String, Integer> perSplit = new TreeMap<>();
        int image = 0;
        int audio = 0;
        int text = 0;
        for (RepoFile f : files) {
            String[] parts = f.path().split("/");
            String split = SPLITS.get(splitName(parts));
            if (split == null) {
                continue;
            }
            perSplit.merge(split, 1, Integer::sum);
            String ext = f.path().contains(".") ? f.path().substring(f.path().lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : "";
            image += IMAGE.contains(ext) ? 1 : 0;
            audio += AUDIO.contains(ext) ? 1 : 0;
            text += TEXT.contains(ext) ? 1 : 0;
            if (split.equals("train") && parts.length >= 3) {
                labels.add(parts[1]);
            }
        }
        return layout(labels, perSplit, image, audio, text);
    }

    /** "train/x/1.png" and "train.csv" name the split, as does HF's "data/train-00000-of-00001.parquet". */
    private static String splitName(String[] parts) {
        String first = parts[0].toLowerCase(Locale.ROOT);
        if (parts.length == 1) {
            return stem(first);
        }
        if (first.equals("data") && parts.length == 2) {
            return stem(parts[1].toLowerCase(Locale.ROOT));
        }
        return first;
    }

    private static String stem(String fileName) {
        int cut = fileName.length();
        for (char c : new char[]{'.', '-', '_'}) {
            int i = fileName.indexOf(c);
            if (i > 0) {
                cut = Math.min(cut, i);
            }
        }
        return fileName.substring(0, cut);
    }

    private static DatasetLayout layout(Set<String> labels, Map<String, Integer> perSplit, int image, int audio, int text) {
        String modality = image > 0 && audio == 0 && text == 0 ? "vision"
                : audio > 0 && image == 0 ? "audio"
                : text > 0 && image == 0 && audio == 0 ? "text"
                : image + audio + text == 0 ? "unknown" : "multimodal";
        return new DatasetLayout(modality, labels, perSplit);
    }
}
