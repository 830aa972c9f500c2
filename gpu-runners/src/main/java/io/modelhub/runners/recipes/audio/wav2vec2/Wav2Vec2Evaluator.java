package io.modelhub.runners.recipes.audio.wav2vec2;

import io.modelhub.contract.ModelTypes;
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

/**
 * Scores a Wav2Vec2ForSequenceClassification / HubertForSequenceClassification on an audiofolder split, prepared
 * as its preprocessor_config.json says, each clip whole up to {@value #MAX_SECONDS} s.
 */
public abstract class Wav2Vec2Evaluator implements ModelEvaluator {

    /** Clips are cut here: as the audio-classification recipe's default max_duration_s. */
    public static final double MAX_SECONDS = 10.0;

    public static final class Wav2Vec2 extends Wav2Vec2Evaluator {
        @Override
        public String modelType() {
            return ModelTypes.WAV2VEC2;
        }
    }

    public static final class Hubert extends Wav2Vec2Evaluator {
        @Override
        public String modelType() {
            return ModelTypes.HUBERT;
        }
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
        LabelledFiles split = ClassifierScoring.split(request.split(), dataset.train(), dataset.validation(),
                dataset.test());
        try (Wav2Vec2Classifier model = Wav2Vec2Classifier.load(request.modelDir(), Torch.preferredDevice())) {
            int[] truth = ClassifierScoring.truth(dataset.labels(), model.labels(), split.size(), split::label);
            int[] predicted = model.predict(model.examples(split, MAX_SECONDS), request.batchSize());
            FeatureExtractorConfig features = model.model().features();
            Map<String, Object> preprocessing = new LinkedHashMap<>();
            preprocessing.put("sampling_rate", features.samplingRate());
            preprocessing.put("do_normalize", features.doNormalize());
            preprocessing.put("return_attention_mask", features.returnAttentionMask());
            preprocessing.put("max_duration_s", MAX_SECONDS);
            return ClassifierScoring.evaluation(truth, predicted, model.numLabels(), preprocessing);
        }
    }
}
