package io.modelhub.runners.serving;

import ai.djl.ndarray.NDManager;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.training.LabelledExamples;
import io.modelhub.runners.recipes.training.TrainableClassifier;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * An audio file (the raw body, or base64 "inputs" when parameters came with it) prepared by the model's own recipe
 * code (decoded by WavDecoder, mixed to mono, resampled to the model's rate, as in training), answered
 * [{"label", "score"}] with the top 5 by default, as the audio-classification pipeline answers.
 * <p>
 * The clips of a batch of requests go through one forward pass per length: clips of one length are stacked as they
 * are, while clips of different lengths are not padded into one pass, because a model without an attention mask
 * (wav2vec2 base models with group norm) would read the padding as sound and answer differently than for the clip
 * alone. Log-mel clips (modelhub-audio) all have the model's clip length, so they always make one pass.
 *
 * @param <E> the examples the model reads: log-mel clips (modelhub-audio) or waveforms (wav2vec2, HuBERT)
 */
final class AudioClassification<E extends LabelledExamples> implements ServedModel {
    /** transformers' audio-classification pipeline returns the top 5 by default. */
    static final int TOP_K = 5;

    /** The length of a prepared clip: clips of one length share a forward pass. */
    @FunctionalInterface
    interface Length<E> {
        int of(E examples, int index);
    }

    private final TrainableClassifier<E> model;
    private final List<String> labels;
    private final Function<LabelledFiles, E> prepare;
    private final Length<E> length;

    /**
     * @param prepare the model's preparation of a split of WAV files, as its evaluator uses it
     * @param length  the length of a prepared clip
     */
    AudioClassification(TrainableClassifier<E> model, List<String> labels, Function<LabelledFiles, E> prepare,
            Length<E> length) {
        this.model = model;
        this.labels = labels;
        this.prepare = prepare;
        this.length = length;
    }

    @Override
    public String task() {
        return InferenceProtocol.AUDIO_CLASSIFICATION;
    }

    @Override
    public Object run(Work work) throws Exception {
        return runAlone(work);
    }

    @Override
    public List<Answer> runBatch(List<Work> works) {
        MediaBatch<E> clips;
        try {
            clips = MediaBatch.of(works, task(), "audio", work -> { }, prepare, (e, file, bytes) ->
                    new BadInput(String.valueOf(e.getMessage()).replace("audio " + file, "the audio")
                            .replace(file.toString(), "the audio") + " (" + bytes + " bytes)"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Answer> answers = clips.answers();
        E examples = clips.prepared();
        if (examples == null) {
            return answers;
        }
        Map<Integer, List<Integer>> byLength = new TreeMap<>();
        for (int row = 0; row < clips.size(); row++) {
            byLength.computeIfAbsent(length.of(examples, row), k -> new ArrayList<>()).add(row);
        }
        int n = labels.size();
        float[] logits = new float[clips.size() * n];
        for (List<Integer> rows : byLength.values()) {
            int[] order = rows.stream().mapToInt(Integer::intValue).toArray();
            try (NDManager batch = model.manager().newSubManager()) {
                float[] group = model.logits(model.batchInputs(batch, examples, order, 0, order.length))
                        .toFloatArray();
                for (int i = 0; i < order.length; i++) {
                    System.arraycopy(group, i * n, logits, order[i] * n, n);
                }
            }
        }
        return LabelScores.perRow(works, clips.rows(), answers, logits, labels, TOP_K);
    }

    @Override
    public void close() {
        model.close();
    }
}
