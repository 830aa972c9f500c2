package io.modelhub.runners.recipes.audio;

import ai.djl.Device;
import io.modelhub.runners.recipes.data.ClassFolderDataset;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.data.MediaKind;
import io.modelhub.runners.recipes.data.SplitDataset;
import io.modelhub.runners.recipes.eval.ClassifierEvaluator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Scores a modelhub-audio classifier on an audiofolder split, with the log-mel settings in its config.json. */
public final class AudioClassifierEvaluator extends ClassifierEvaluator<LabelledFiles, AudioClassifierModel> {

    @Override
    public String modelType() {
        return AudioConfig.MODEL_TYPE;
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    protected SplitDataset<LabelledFiles> openDataset(Path dir, long seed) throws IOException {
        return ClassFolderDataset.open(dir, seed, MediaKind.AUDIO);
    }

    @Override
    protected AudioClassifierModel loadModel(Path dir, Device device) throws IOException {
        return AudioClassifierModel.load(dir, device);
    }

    @Override
    protected List<String> labels(AudioClassifierModel model, List<String> datasetLabels) {
        return model.config().labels();
    }

    @Override
    protected int numLabels(AudioClassifierModel model) {
        return model.config().numLabels();
    }

    @Override
    protected int[] predict(AudioClassifierModel model, LabelledFiles split, int batchSize) throws Exception {
        return model.predict(model.features(split), batchSize);
    }

    @Override
    protected Map<String, Object> preprocessing(AudioClassifierModel model) {
        LogMelSpec features = model.config().features();
        Map<String, Object> preprocessing = new LinkedHashMap<>();
        preprocessing.put("sample_rate", features.sampleRate());
        preprocessing.put("n_fft", features.nFft());
        preprocessing.put("win_length", features.winLength());
        preprocessing.put("hop_length", features.hopLength());
        preprocessing.put("n_mels", features.nMels());
        preprocessing.put("frames", features.frames());
        return preprocessing;
    }
}
