package io.modelhub.runners.recipes.vision;

import ai.djl.Device;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.data.SplitDataset;
import io.modelhub.runners.recipes.eval.ClassifierEvaluator;
import io.modelhub.runners.recipes.eval.ClassifierScoring;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a modelhub-cnn on an imagefolder split at the model's own image size and normalisation. Dataset labels
 * are matched to the model's by name, so a model whose head was trained on the same classes in another order
 * still scores correctly; a dataset label the model does not know is an error, not a silent zero.
 */
public final class CnnEvaluator extends ClassifierEvaluator<LabelledFiles, CnnModel> {

    @Override
    public String modelType() {
        return CnnConfig.MODEL_TYPE;
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    protected SplitDataset<LabelledFiles> openDataset(Path dir, long seed) throws IOException {
        return ImageFolderDataset.open(dir, seed);
    }

    @Override
    protected CnnModel loadModel(Path dir, Device device) throws IOException {
        return CnnModel.load(dir, device);
    }

    @Override
    protected List<String> labels(CnnModel model, List<String> datasetLabels) {
        return model.config().labels();
    }

    @Override
    protected int numLabels(CnnModel model) {
        return model.config().numLabels();
    }

    @Override
    protected int[] predict(CnnModel model, LabelledFiles split, int batchSize) throws Exception {
        return model.predict(DecodedImages.of(split, model.config().imageSize()), batchSize);
    }

    @Override
    protected Map<String, Object> preprocessing(CnnModel model) {
        CnnConfig config = model.config();
        Map<String, Object> preprocessing = new LinkedHashMap<>();
        preprocessing.put("image_size", config.imageSize());
        preprocessing.put("image_mean", ClassifierScoring.doubles(config.imageMean()));
        preprocessing.put("image_std", ClassifierScoring.doubles(config.imageStd()));
        return preprocessing;
    }
}
