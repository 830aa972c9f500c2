package io.modelhub.runners.recipes.vision;

import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.data.ImageSplit;
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
        return List.of("accuracy", "macro_f1");
    }

    @Override
    public ModelEvaluation evaluate(EvaluationRequest request) throws Exception {
        ImageFolderDataset dataset = ImageFolderDataset.open(request.datasetDir(), request.seed());
        dataset.notes().forEach(request.log());
        ImageSplit split = switch (request.split()) {
            case "train" -> dataset.train();
            case "validation" -> dataset.validation();
            case "test" -> dataset.test();
            default -> throw new IllegalArgumentException("split \"" + request.split()
                    + "\" is not one of train, validation, test");
        };
        try (CnnModel model = CnnModel.load(request.modelDir(), Torch.preferredDevice())) {
            CnnConfig config = model.config();
            List<String> unknown = new ArrayList<>(dataset.labels());
            unknown.removeAll(config.labels());
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("the model's labels " + config.labels() + " do not include the dataset's "
                        + unknown);
            }
            int[] truth = new int[split.size()];
            for (int i = 0; i < truth.length; i++) {
                truth[i] = config.labels().indexOf(dataset.labels().get(split.label(i)));
            }
            DecodedImages images = DecodedImages.of(split, config.imageSize());
            int[] predicted = model.predict(images, request.batchSize());
            ClassificationMetrics metrics = ClassificationMetrics.of(truth, predicted, config.numLabels());
            Map<String, Double> scores = new LinkedHashMap<>();
            scores.put("accuracy", metrics.accuracy());
            scores.put("macro_f1", metrics.macroF1());
            Map<String, Object> preprocessing = new LinkedHashMap<>();
            preprocessing.put("image_size", config.imageSize());
            preprocessing.put("image_mean", toList(config.imageMean()));
            preprocessing.put("image_std", toList(config.imageStd()));
            return new ModelEvaluation(scores, metrics.count(), preprocessing);
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
