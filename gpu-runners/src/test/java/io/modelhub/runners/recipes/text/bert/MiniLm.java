package io.modelhub.runners.recipes.text.bert;

import io.modelhub.storage.imports.OnnxBertImport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The real all-MiniLM-L6-v2 (langchain4j jar on the test classpath), converted once per test JVM by
 * {@link OnnxBertImport} into a transformers model folder, and its original ONNX bytes.
 */
final class MiniLm {

    /** Sentences of different lengths (so batches pad) and one text longer than max_seq_length 256. */
    static final List<String> TEXTS = List.of(
            "A man is playing a guitar.",
            "Someone plays an acoustic guitar on stage.",
            "The new movie is awesome!",
            "Stock markets fell sharply today after the central bank raised interest rates by half a point.",
            "ok",
            "Photosynthesis converts light energy into chemical energy; plants, algae and some bacteria use it "
                    + "to turn carbon dioxide and water into glucose and oxygen.",
            String.join(" ", java.util.Collections.nCopies(60, "The quick brown fox jumps over the lazy dog.")));

    private static Path dir;

    private MiniLm() {
    }

    static synchronized Path dir() {
        if (dir == null) {
            try {
                Path created = Files.createTempDirectory("minilm-");
                OnnxBertImport.fromClasspath(created);
                dir = created;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    static byte[] onnx() throws IOException {
        try (InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(OnnxBertImport.MINILM_ONNX)) {
            return in.readAllBytes();
        }
    }
}
