package io.modelhub.runners.recipes.crossmodal;

import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.PairedDataset;
import io.modelhub.runners.recipes.eval.EvaluationRequest;
import io.modelhub.runners.recipes.eval.ModelEvaluation;
import io.modelhub.runners.recipes.eval.ModelEvaluator;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Retrieval benchmarks of a modelhub-dual-encoder on a paired dataset's split: recall@1/5/10 and mean rank in both
 * directions among all the split's pairs, named by the sides' kinds ("text_to_image_recall@1") and also by
 * position ("a_to_b_recall@1", a being the dataset's first column), so one benchmark definition fits any pairing.
 */
public final class DualEncoderEvaluator implements ModelEvaluator {
    private static final List<String> KINDS = List.of("text", "image", "audio");

    @Override
    public String modelType() {
        return DualEncoder.MODEL_TYPE;
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    public List<String> metrics() {
        List<String> names = new ArrayList<>(names("a", "b"));
        for (String x : KINDS) {
            for (String y : KINDS) {
                if (!x.equals(y)) {
                    names.addAll(names(x, y).subList(0, 3));
                    names.add(x + "_to_" + y + "_mean_rank");
                }
            }
        }
        names.add("loss");
        return List.copyOf(new java.util.LinkedHashSet<>(names));
    }

    private static List<String> names(String a, String b) {
        return new ArrayList<>(new RetrievalMetrics(1, new double[3], new double[3], 0, 0).named("", a, b).keySet());
    }

    @Override
    public ModelEvaluation evaluate(EvaluationRequest request) throws Exception {
        PairedDataset data = PairedDataset.open(request.datasetDir(), request.seed());
        data.notes().forEach(request.log());
        List<PairedDataset.Pair> pairs = switch (request.split()) {
            case "train" -> data.train();
            case "validation" -> data.validation();
            case "test" -> data.test();
            default -> throw new IllegalArgumentException("split \"" + request.split() + "\" is not one of train, validation, test");
        };
        if (pairs.size() < 2) {
            throw new IllegalArgumentException("split " + request.split() + " has " + pairs.size() + " pairs: retrieval needs 2 or more");
        }
        try (DualEncoder model = DualEncoder.load(request.modelDir(), Torch.preferredDevice())) {
            String towerA = model.towerA().modality();
            String towerB = model.towerB().modality();
            boolean straight = towerA.equals(data.kindA().modality()) && towerB.equals(data.kindB().modality());
            boolean swapped = towerA.equals(data.kindB().modality()) && towerB.equals(data.kindA().modality());
            if (!straight && !swapped) {
                throw new InvalidModelException("the model aligns " + towerA + " with " + towerB + ", the dataset pairs "
                        + data.kindA().modality() + " with " + data.kindB().modality());
            }
            List<PairedDataset.Pair> ordered = straight ? pairs
                    : pairs.stream().map(p -> new PairedDataset.Pair(p.b(), p.a())).toList();
            PairedDataset.Kind kindA = straight ? data.kindA() : data.kindB();
            PairedDataset.Kind kindB = straight ? data.kindB() : data.kindA();
            CrossModalAlignmentRecipe.Evaluation result = CrossModalAlignmentRecipe.evaluate(model, ordered, request.batchSize());
            Map<String, Double> scores = new LinkedHashMap<>(result.metrics().named("", "a", "b"));
            if (kindA != kindB) {
                scores.putAll(result.metrics().named("", CrossModalAlignmentRecipe.sideName(kindA, kindB, true),
                        CrossModalAlignmentRecipe.sideName(kindA, kindB, false)));
            }
            scores.put("loss", result.loss());
            Map<String, Object> preprocessing = new LinkedHashMap<>();
            preprocessing.put("tower_a", model.towerA().describe());
            preprocessing.put("tower_b", model.towerB().describe());
            preprocessing.put("candidates", pairs.size());
            preprocessing.put("temperature", 1 / model.scale());
            return new ModelEvaluation(scores, pairs.size(), preprocessing);
        }
    }
}
