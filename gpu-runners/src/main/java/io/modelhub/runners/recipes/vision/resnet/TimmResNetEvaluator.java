package io.modelhub.runners.recipes.vision.resnet;

import io.modelhub.contract.ModelTypes;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.eval.ClassifierScoring;
import io.modelhub.runners.recipes.eval.EvaluationRequest;
import io.modelhub.runners.recipes.eval.ModelEvaluation;
import io.modelhub.runners.recipes.eval.ModelEvaluator;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a timm ResNet classifier (what image-classification writes for a timm base) on an imagefolder split, at
 * its pretrained_cfg input_size and mean/std, the preprocessing it was fine-tuned with. Dataset labels are matched
 * to config.json's label_names by name; a model without label_names cannot be matched and is refused.
 */
public final class TimmResNetEvaluator implements ModelEvaluator {

    @Override
    public String modelType() {
        return ModelTypes.TIMM;
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
        LabelledFiles split = ClassifierScoring.split(request.split(), dataset.train(), dataset.validation(),
                dataset.test());
        try (ResNetClassifier model = ResNetClassifier.load(request.modelDir(), Torch.preferredDevice())) {
            TimmResNetConfig config = model.config();
            if (config.labels().isEmpty()) {
                throw new InvalidModelException("config.json has no label_names, so the dataset's labels "
                        + dataset.labels() + " cannot be matched to the model's " + config.numClasses() + " classes");
            }
            int[] truth = ClassifierScoring.truth(dataset.labels(), config.labels(), split.size(), split::label);
            int[] predicted = model.predict(DecodedImages.of(split, config.imageSize()), request.batchSize());
            Map<String, Object> preprocessing = new LinkedHashMap<>();
            preprocessing.put("image_size", config.imageSize());
            preprocessing.put("image_mean", toList(config.mean()));
            preprocessing.put("image_std", toList(config.std()));
            return ClassifierScoring.evaluation(truth, predicted, config.numClasses(), preprocessing);
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
