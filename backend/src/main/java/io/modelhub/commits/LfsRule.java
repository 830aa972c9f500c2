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

    /**
     * Files up to this size are uploaded inline (base64 in the NDJSON commit) whatever their type: through LFS each
     * would cost a batch call and a PUT of its own, which for 10,000 PNGs of 250 bytes was most of a push (issue 17).
     * The commit still lists a file as LFS by {@link #isLfs}, so where it is stored does not depend on how it came.
     */
    public static final long INLINE_MAX = 1024 * 1024;

    /** What preupload answers: "lfs" for files worth an upload of their own, "regular" (inline) for the rest. */
    public static boolean uploadsThroughLfs(String path, long size) {
        return size > INLINE_MAX && isLfs(path, size);
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
