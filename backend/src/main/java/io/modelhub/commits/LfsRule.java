package io.modelhub.commits;

import java.util.List;
import java.util.Locale;

/**
 * Which files are LFS files: large ones, and the binary formats the Hugging Face default .gitattributes
 * names. The same list is written to every new repository's .gitattributes, so git users agree with the hub.
 */
public final class LfsRule {
    public static final long SIZE_THRESHOLD = 10L * 1024 * 1024;
    static final List<String> EXTENSIONS = List.of("7z", "arrow", "bin", "bz2", "ckpt", "ftz", "gguf", "gz", "h5",
            "joblib", "lfs", "mlmodel", "model", "msgpack", "npy", "npz", "onnx", "ot", "parquet", "pb", "pickle",
            "pkl", "pt", "pth", "rar", "safetensors", "tar", "tflite", "tgz", "wasm", "xz", "zip", "zst",
            "png", "jpg", "jpeg", "webp", "wav", "mp3", "flac", "ogg");

    private LfsRule() {
    }

    public static boolean isLfs(String path, long size) {
        if (size > SIZE_THRESHOLD) {
            return true;
        }
        int dot = path.lastIndexOf('.');
        return dot >= 0 && EXTENSIONS.contains(path.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    static String gitattributes() {
        StringBuilder sb = new StringBuilder();
        for (String ext : EXTENSIONS) {
            sb.append("*.").append(ext).append(" filter=lfs diff=lfs merge=lfs -text\n");
        }
        return sb.toString();
    }
}
