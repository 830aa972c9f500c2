package io.modelhub.runners.recipes.audio.wav2vec2;

import ai.djl.Device;
import io.modelhub.contract.ModelTypes;
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

/**
 * Scores a Wav2Vec2ForSequenceClassification / HubertForSequenceClassification on an audiofolder split, prepared
 * as its preprocessor_config.json says, each clip whole up to {@value #MAX_SECONDS} s.
 */
public abstract class Wav2Vec2Evaluator extends ClassifierEvaluator<LabelledFiles, Wav2Vec2Classifier> {

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
    protected SplitDataset<LabelledFiles> openDataset(Path dir, long seed) throws IOException {
        return ClassFolderDataset.open(dir, seed, MediaKind.AUDIO);
    }

    @Override
    protected Wav2Vec2Classifier loadModel(Path dir, Device device) throws IOException {
        return Wav2Vec2Classifier.load(dir, device);
    }

    @Override
    protected List<String> labels(Wav2Vec2Classifier model, List<String> datasetLabels) {
        return model.labels();
    }

    @Override
    protected int numLabels(Wav2Vec2Classifier model) {
        return model.numLabels();
    }

    @Override
    protected int[] predict(Wav2Vec2Classifier model, LabelledFiles split, int batchSize) throws Exception {
        return model.predict(model.examples(split, MAX_SECONDS), batchSize);
    }

    @Override
    protected Map<String, Object> preprocessing(Wav2Vec2Classifier model) {
        FeatureExtractorConfig features = model.model().features();
        Map<String, Object> preprocessing = new LinkedHashMap<>();
        preprocessing.put("sampling_rate", features.samplingRate());
        preprocessing.put("do_normalize", features.doNormalize());
        preprocessing.put("return_attention_mask", features.returnAttentionMask());
        preprocessing.put("max_duration_s", MAX_SECONDS);
        return preprocessing;
    }
}
