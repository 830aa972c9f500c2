package io.modelhub.runners.serving;

import ai.djl.ndarray.NDManager;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.recipes.data.DatasetException;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.training.LabelledExamples;
import io.modelhub.runners.recipes.training.TrainableClassifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * One audio file (the raw body, or base64 "inputs" when parameters came with it) prepared by the model's own
 * recipe code (decoded by WavDecoder, mixed to mono, resampled to the model's rate, as in training), answered
 * [{"label", "score"}] with the top 5 by default, as the audio-classification pipeline answers.
 *
 * @param <E> the examples the model reads: log-mel clips (modelhub-audio) or waveforms (wav2vec2, HuBERT)
 */
final class AudioClassification<E extends LabelledExamples> implements ServedModel {
    /** transformers' audio-classification pipeline returns the top 5 by default. */
    static final int TOP_K = 5;

    private final TrainableClassifier<E> model;
    private final List<String> labels;
    private final Function<LabelledFiles, E> prepare;

    /** @param prepare the model's preparation of a split of WAV files, as its evaluator uses it */
    AudioClassification(TrainableClassifier<E> model, List<String> labels, Function<LabelledFiles, E> prepare) {
        this.model = model;
        this.labels = labels;
        this.prepare = prepare;
    }

    @Override
    public String task() {
        return InferenceProtocol.AUDIO_CLASSIFICATION;
    }

    @Override
    public Object run(Work work) throws IOException {
        ServedModels.requireTask(work, task());
        byte[] bytes = ServedModels.binaryInput(work, "audio");
        // the recipes read files: the clip goes through the very decoder the model was trained with
        Path file = Files.createTempFile("inference-", ".wav");
        try {
            Files.write(file, bytes);
            E examples;
            try {
                examples = prepare.apply(new LabelledFiles("inputs", List.of(file), new int[1]));
            } catch (DatasetException e) {
                throw new BadInput(e.getMessage().replace("audio " + file, "the audio")
                        .replace(file.toString(), "the audio") + " (" + bytes.length + " bytes)");
            }
            try (NDManager batch = model.manager().newSubManager()) {
                float[] logits = model.logits(model.batchInputs(batch, examples, null, 0, 1)).toFloatArray();
                return LabelScores.of(logits, labels, work.parameters(), TOP_K);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
