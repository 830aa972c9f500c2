package io.modelhub.ui.widget;

import io.modelhub.contract.InferenceProtocol;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which input and answer each task's widget has. A task the runners learn to serve is one line here (with a new
 * {@link WidgetInput} or {@link WidgetAnswer} only for a new kind), and shows on model pages once the hub serves
 * it ({@link InferenceProtocol#TASKS}).
 */
public final class WidgetTasks {
    /**
     * A task's widget.
     *
     * @param input  a fresh input field (one per page)
     * @param answer how its answers are shown
     */
    public record WidgetTask(String task, Supplier<WidgetInput> input, WidgetAnswer answer) {
    }

    private static final Map<String, WidgetTask> TASKS = Map.of(
            "text-classification", new WidgetTask("text-classification",
                    () -> new TextInput("A text to classify"), new LabelScores()),
            "fill-mask", new WidgetTask("fill-mask",
                    () -> new TextInput("A text with the model's mask token, e.g. Paris is the [MASK] of France."),
                    new LabelScores()),
            "feature-extraction", new WidgetTask("feature-extraction",
                    () -> new TextInput("A text to embed"), new VectorSummary()),
            "image-classification", new WidgetTask("image-classification", FileInput::image, new LabelScores()),
            "audio-classification", new WidgetTask("audio-classification", FileInput::audio, new LabelScores()),
            "sentence-similarity", new WidgetTask("sentence-similarity", SentencesInput::new, new LabelScores()),
            "zero-shot-image-classification", new WidgetTask("zero-shot-image-classification",
                    LabelledImageInput::new, new LabelScores()));

    private WidgetTasks() {
    }

    /** The widget of a model's pipeline tag, if the hub serves that task and a widget is written for it. */
    public static Optional<WidgetTask> forPipelineTag(String pipelineTag) {
        if (pipelineTag == null || !InferenceProtocol.TASKS.contains(pipelineTag)) {
            return Optional.empty();
        }
        return Optional.ofNullable(TASKS.get(pipelineTag));
    }
}
