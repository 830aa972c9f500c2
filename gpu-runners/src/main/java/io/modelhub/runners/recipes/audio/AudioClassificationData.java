package io.modelhub.runners.recipes.audio;

import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.data.ClassFolderDataset;
import io.modelhub.runners.recipes.data.MediaKind;
import io.modelhub.runners.recipes.training.ClassifierTraining;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/** The log-mel splits of an audiofolder dataset at one feature spec, with its label names. */
public record AudioClassificationData(List<String> labels, LogMelClips train, LogMelClips validation,
        LogMelClips test) {

    public AudioClassificationData {
        labels = List.copyOf(labels);
    }

    /** Opens the run's dataset as an audiofolder, logs what was derived, and computes the features. */
    public static AudioClassificationData open(RunContext ctx, long seed, LogMelSpec spec) throws IOException {
        ClassFolderDataset dataset = ClassFolderDataset.open(ctx.datasetDir(), seed, MediaKind.AUDIO);
        dataset.notes().forEach(ctx::log);
        long started = System.nanoTime();
        AudioClassificationData data = new AudioClassificationData(dataset.labels(),
                LogMelClips.of(dataset.train(), spec), LogMelClips.of(dataset.validation(), spec),
                LogMelClips.of(dataset.test(), spec));
        ctx.log(String.format(Locale.ROOT, "Dataset: %s (features in %.1f s)", data.describe(),
                (System.nanoTime() - started) / 1e9));
        return data;
    }

    public ClassifierTraining.Splits<LogMelClips> splits() {
        return new ClassifierTraining.Splits<>(train, validation, test);
    }

    /** E.g. "4 classes (a, b, c, d); 120 train, 20 validation, 40 test clips as 40 mels x 101 frames at 16000 Hz". */
    public String describe() {
        LogMelSpec spec = train.spec();
        String names = labels.size() <= 10 ? " (" + String.join(", ", labels) + ")" : "";
        return labels.size() + " classes" + names + "; " + train.size() + " train, " + validation.size()
                + " validation, " + test.size() + " test clips as " + spec.nMels() + " mels x " + spec.frames()
                + " frames at " + spec.sampleRate() + " Hz";
    }
}
