package io.modelhub.runners.recipes.vision.vit;

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
 * Scores a transformers ViTForImageClassification on an imagefolder split, preprocessed as its
 * preprocessor_config.json says (resize to its size, rescale, normalise). Dataset labels are matched to the
 * model's id2label by name; a ViTModel (no classifier) is refused by the loader.
 */
public final class ViTEvaluator extends ClassifierEvaluator<LabelledFiles, ViTClassifier> {

    @Override
    public String modelType() {
        return ViTConfig.MODEL_TYPE;
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
    protected ViTClassifier loadModel(Path dir, Device device) throws IOException {
        return ViTClassifier.load(dir, device);
    }

    @Override
    protected List<String> labels(ViTClassifier model, List<String> datasetLabels) {
        return model.labels();
    }

    @Override
    protected int numLabels(ViTClassifier model) {
        return model.numLabels();
    }

    @Override
    protected int[] predict(ViTClassifier model, LabelledFiles split, int batchSize) throws Exception {
        return model.predict(DecodedImages.of(split, model.imageSize()), batchSize);
    }

    @Override
    protected Map<String, Object> preprocessing(ViTClassifier model) {
        ViTImageProcessor processor = model.model().processor();
        Map<String, Object> preprocessing = new LinkedHashMap<>();
        preprocessing.put("image_size", model.imageSize());
        preprocessing.put("do_rescale", processor.doRescale());
        preprocessing.put("rescale_factor", (double) processor.rescaleFactor());
        preprocessing.put("do_normalize", processor.doNormalize());
        // image_mean and image_std are three channels (ViTImageProcessor reads them as a triple)
        preprocessing.put("image_mean", ClassifierScoring.doubles(processor.mean()));
        preprocessing.put("image_std", ClassifierScoring.doubles(processor.std()));
        return preprocessing;
    }
}
