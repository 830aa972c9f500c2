package io.modelhub.runners.recipes.vision.resnet;

import ai.djl.Device;
import io.modelhub.contract.ModelTypes;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.data.SplitDataset;
import io.modelhub.runners.recipes.eval.ClassifierEvaluator;
import io.modelhub.runners.recipes.eval.ClassifierScoring;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a timm ResNet classifier (what image-classification writes for a timm base) on an imagefolder split, at
 * its pretrained_cfg input_size and mean/std, the preprocessing it was fine-tuned with. Dataset labels are matched
 * to config.json's label_names by name; a model without label_names cannot be matched and is refused.
 */
public final class TimmResNetEvaluator extends ClassifierEvaluator<LabelledFiles, ResNetClassifier> {

    @Override
    public String modelType() {
        return ModelTypes.TIMM;
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
    protected ResNetClassifier loadModel(Path dir, Device device) throws IOException {
        return ResNetClassifier.load(dir, device);
    }

    @Override
    protected List<String> labels(ResNetClassifier model, List<String> datasetLabels) {
        TimmResNetConfig config = model.config();
        if (config.labels().isEmpty()) {
            throw new InvalidModelException("config.json has no label_names, so the dataset's labels "
                    + datasetLabels + " cannot be matched to the model's " + config.numClasses() + " classes");
        }
        return config.labels();
    }

    @Override
    protected int numLabels(ResNetClassifier model) {
        return model.config().numClasses();
    }

    @Override
    protected int[] predict(ResNetClassifier model, LabelledFiles split, int batchSize) throws Exception {
        return model.predict(DecodedImages.of(split, model.config().imageSize()), batchSize);
    }

    @Override
    protected Map<String, Object> preprocessing(ResNetClassifier model) {
        TimmResNetConfig config = model.config();
        Map<String, Object> preprocessing = new LinkedHashMap<>();
        preprocessing.put("image_size", config.imageSize());
        preprocessing.put("image_mean", ClassifierScoring.doubles(config.mean()));
        preprocessing.put("image_std", ClassifierScoring.doubles(config.std()));
        return preprocessing;
    }
}
