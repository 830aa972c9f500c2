package io.modelhub.runners.recipes.audio;

import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.eval.EvaluateRecipe;
import io.modelhub.runners.testing.AudioFolderDatasetBuilder;
import io.modelhub.runners.testing.FakeRunContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The "evaluate" recipe on a modelhub-audio classifier: fresh clips of the classes it learned, the same score twice. */
class AudioClassifierEvaluatorTest {
    @TempDir
    Path tmp;

    @Test
    void scoresFreshClipsOfItsClassesReproducibly() throws Exception {
        Path data = AudioFolderDatasetBuilder.in(tmp.resolve("data")).classes(PretrainedAudioModel.CLASSES)
                .split("train", 2).split("validation", 2).split("test", 10).seed(77).build();
        RunResult first = evaluate(data, "first", Map.of("metric", "macro_f1"));
        RunResult again = evaluate(data, "again", Map.of("metric", "macro_f1", "batch_size", 3));
        double score = first.finalMetrics().get("score");
        assertTrue(score >= 0.7, "macro F1 on fresh clips of the 4 learned classes (chance 0.25): " + score);
        assertEquals(score, again.finalMetrics().get("score"), 1e-9, "same inputs, same score; batch size irrelevant");
        assertEquals("modelhub-audio", first.details().get("model_type"));
        @SuppressWarnings("unchecked")
        Map<String, Object> preprocessing = (Map<String, Object>) first.details().get("preprocessing");
        assertEquals(16_000, preprocessing.get("sample_rate"));
    }

    @Test
    void datasetClassesTheModelNeverSawAreAClearError() throws Exception {
        Path other = AudioFolderDatasetBuilder.in(tmp.resolve("other"))
                .classes(SoundClass.chirp(500, 2_000).labelled("sweep"), SoundClass.tone(300))
                .split("train", 2).split("test", 2).seed(3).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> evaluate(other, "x", Map.of()));
        assertTrue(e.getMessage().contains("do not include the dataset's [sweep]"), e.getMessage());
    }

    private RunResult evaluate(Path data, String name, Map<String, ?> params) throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve(name)).baseModel(PretrainedAudioModel.modelDir()).dataset(data)
                .params(params).build();
        return new EvaluateRecipe().run(ctx);
    }
}
