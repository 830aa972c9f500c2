package io.modelhub.runners.recipes.vision.vit;

import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.eval.ClassifierScoring;
import io.modelhub.runners.recipes.eval.EvaluationRequest;
import io.modelhub.runners.recipes.eval.ModelEvaluation;
import io.modelhub.runners.recipes.eval.ModelEvaluator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a transformers ViTForImageClassification on an imagefolder split, preprocessed as its
 * preprocessor_config.json says (resize to its size, rescale, normalise). Dataset labels are matched to the
 * model's id2label by name; a ViTModel (no classifier) is refused by the loader.
 */
public final class ViTEvaluator implements ModelEvaluator {

    @Override
    public String modelType() {
        return ViTConfig.MODEL_TYPE;
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
        ImageFolderDataset dataset = ImageFolderDataset.open(request.datasetDir(), request.seed());
        dataset.notes().forEach(request.log());
        LabelledFiles split = ClassifierScoring.split(request.split(), dataset.train(), dataset.validation(), dataset.test());
        try (ViTClassifier model = ViTClassifier.load(request.modelDir(), Torch.preferredDevice())) {
            int[] truth = ClassifierScoring.truth(dataset.labels(), model.labels(), split.size(), split::label);
            int[] predicted = model.predict(DecodedImages.of(split, model.imageSize()), request.batchSize());
            ViTImageProcessor processor = model.model().processor();
            Map<String, Object> preprocessing = new LinkedHashMap<>();
            preprocessing.put("image_size", model.imageSize());
            preprocessing.put("do_rescale", processor.doRescale());
            preprocessing.put("rescale_factor", (double) processor.rescaleFactor());
            preprocessing.put("do_normalize", processor.doNormalize());
            preprocessing.put("image_mean", toList(processor.mean()));
            preprocessing.put("image_std", toList(processor.std()));
            return ClassifierScoring.evaluation(truth, predicted, model.numLabels(), preprocessing);
        }
    }

    private static List<Double> toList(float[] values) {
        return List.of((double) values[0], (double) values[1], (double) values[2]);
    }
}
