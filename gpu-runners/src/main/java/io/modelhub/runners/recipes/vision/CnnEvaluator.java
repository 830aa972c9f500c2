package io.modelhub.runners.recipes.vision;

import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.eval.ClassifierScoring;
import io.modelhub.runners.recipes.eval.EvaluationRequest;
import io.modelhub.runners.recipes.eval.ModelEvaluation;
import io.modelhub.runners.recipes.eval.ModelEvaluator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a modelhub-cnn on an imagefolder split at the model's own image size and normalisation. Dataset labels
 * are matched to the model's by name, so a model whose head was trained on the same classes in another order
 * still scores correctly; a dataset label the model does not know is an error, not a silent zero.
 */
public final class CnnEvaluator implements ModelEvaluator {

    @Override
    public String modelType() {
        return CnnConfig.MODEL_TYPE;
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
        try (CnnModel model = CnnModel.load(request.modelDir(), Torch.preferredDevice())) {
            CnnConfig config = model.config();
            int[] truth = ClassifierScoring.truth(dataset.labels(), config.labels(), split.size(), split::label);
            int[] predicted = model.predict(DecodedImages.of(split, config.imageSize()), request.batchSize());
            Map<String, Object> preprocessing = new LinkedHashMap<>();
            preprocessing.put("image_size", config.imageSize());
            preprocessing.put("image_mean", toList(config.imageMean()));
            preprocessing.put("image_std", toList(config.imageStd()));
            return ClassifierScoring.evaluation(truth, predicted, config.numLabels(), preprocessing);
        }
    }

    private static List<Double> toList(float[] values) {
        List<Double> out = new ArrayList<>();
        for (float v : values) {
            out.add((double) v);
        }
        return out;
    }
}
