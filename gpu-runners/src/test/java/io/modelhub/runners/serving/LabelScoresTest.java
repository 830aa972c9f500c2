package io.modelhub.runners.serving;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LabelScoresTest {
    private static final List<String> LABELS = List.of("cat", "dog", "bird");

    @Test
    void softmaxSortedAndCutToTopK() {
        List<Map<String, Object>> all = LabelScores.of(new float[] {0, (float) Math.log(2), (float) Math.log(5)}, LABELS, Map.of(), 5);
        assertEquals(List.of("bird", "dog", "cat"), all.stream().map(m -> m.get("label")).toList());
        assertEquals(0.625, (double) all.get(0).get("score"), 1e-6);
        assertEquals(0.125, (double) all.get(2).get("score"), 1e-6);
        assertEquals(1, LabelScores.of(new float[] {0, 1, 2}, LABELS, Map.of("top_k", 1), 5).size());
        assertEquals(2, LabelScores.of(new float[] {0, 1, 2}, LABELS, Map.of(), 2).size(), "the task's default top_k");
    }

    @Test
    void oneLabelIsASigmoidAndNoneKeepsLogits() {
        assertEquals(1 / (1 + Math.exp(-1.5)), (double) LabelScores.of(new float[] {1.5f}, List.of("spam"), Map.of(), 5)
                .get(0).get("score"), 1e-6);
        assertEquals(-3.0, (double) LabelScores.of(new float[] {-3, -4, -5}, LABELS, Map.of("function_to_apply", "none"), 5)
                .get(0).get("score"), 1e-6);
    }

    @Test
    void badParametersSayWhatIsWrong() {
        assertThrows(BadInput.class, () -> LabelScores.of(new float[] {0, 1, 2}, LABELS, Map.of("function_to_apply", "relu"), 5));
        assertThrows(BadInput.class, () -> LabelScores.of(new float[] {0, 1, 2}, LABELS, Map.of("top_k", 0), 5));
        assertThrows(BadInput.class, () -> LabelScores.of(new float[] {0, 1, 2}, LABELS, Map.of("top_k", 1.5), 5));
    }
}
