package io.modelhub.runners.recipes.text.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.modelhub.runners.recipes.Torch;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentencePoolingTest {

    @TempDir
    Path dir;

    /** One text of 3 tokens, the last padded, hidden size 2. */
    private static final float[] STATES = {1, 2, 3, -4, 100, 100};
    private static final long[] MASK = {1, 1, 0};

    @Test
    void meanClsAndMaxIgnorePadding() {
        assertArrayEquals(new float[] {2, -1}, pool(new SentencePooling(SentencePooling.Mode.MEAN, false, 256)));
        assertArrayEquals(new float[] {1, 2}, pool(new SentencePooling(SentencePooling.Mode.CLS, false, 256)));
        assertArrayEquals(new float[] {3, 2}, pool(new SentencePooling(SentencePooling.Mode.MAX, false, 256)));
        float[] normalized = pool(new SentencePooling(SentencePooling.Mode.MEAN, true, 256));
        assertArrayEquals(new float[] {(float) (2 / Math.sqrt(5)), (float) (-1 / Math.sqrt(5))}, normalized, 1e-6f);
    }

    @Test
    void readsModulesJsonAndPoolingConfig() throws Exception {
        assertEquals(SentencePooling.MEAN, SentencePooling.read(dir));
        Files.writeString(dir.resolve("modules.json"), """
                [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                 {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]""");
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"), """
                {"word_embedding_dimension": 2, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}""");
        Files.writeString(dir.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 128}");
        assertEquals(new SentencePooling(SentencePooling.Mode.CLS, false, 128), SentencePooling.read(dir));
    }

    private static float[] pool(SentencePooling pooling) {
        try (NDManager manager = Torch.engine().newBaseManager(Device.cpu())) {
            NDArray states = manager.create(STATES, new Shape(1, 3, 2));
            NDArray mask = manager.create(MASK, new Shape(1, 3));
            return pooling.pool(states, mask).toFloatArray();
        }
    }
}
