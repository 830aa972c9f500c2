package io.modelhub.runners.recipes.audio;

import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.ClassFolderDataset;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.data.MediaKind;
import io.modelhub.runners.recipes.eval.ClassifierScoring;
import io.modelhub.runners.recipes.eval.EvaluationRequest;
import io.modelhub.runners.recipes.eval.ModelEvaluation;
import io.modelhub.runners.recipes.eval.ModelEvaluator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Scores a modelhub-audio classifier on an audiofolder split, with the log-mel settings in its config.json. */
public final class AudioClassifierEvaluator implements ModelEvaluator {

    @Override
    public String modelType() {
        return AudioConfig.MODEL_TYPE;
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    public List<String> metrics() {
        return ClassifierScoring.METRICS;
    }

    @Override
    public ModelEvaluation evaluate(EvaluationRequest request) throws Exception {
        ClassFolderDataset dataset = ClassFolderDataset.open(request.datasetDir(), request.seed(), MediaKind.AUDIO);
        dataset.notes().forEach(request.log());
        LabelledFiles split = ClassifierScoring.split(request.split(), dataset.train(), dataset.validation(), dataset.test());
        try (AudioClassifierModel model = AudioClassifierModel.load(request.modelDir(), Torch.preferredDevice())) {
            AudioConfig config = model.config();
            int[] truth = ClassifierScoring.truth(dataset.labels(), config.labels(), split.size(), split::label);
            int[] predicted = model.predict(model.features(split), request.batchSize());
            LogMelSpec features = config.features();
            Map<String, Object> preprocessing = new LinkedHashMap<>();
            preprocessing.put("sample_rate", features.sampleRate());
            preprocessing.put("n_fft", features.nFft());
            preprocessing.put("win_length", features.winLength());
            preprocessing.put("hop_length", features.hopLength());
            preprocessing.put("n_mels", features.nMels());
            preprocessing.put("frames", features.frames());
            return ClassifierScoring.evaluation(truth, predicted, config.numLabels(), preprocessing);
        }
    }
}
