package io.modelhub.runners.recipes.eval;

import io.modelhub.contract.ParamSpec;
import io.modelhub.runners.recipes.Params;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Evaluates a model commit (the job's base model) on a split of a dataset, for any modality: the evaluator is
 * chosen by the model's config.json model_type ({@link ModelEvaluators}). Produces scores, no model. The result
 * carries "score" (the requested metric), every metric the evaluator computed, and details for the fingerprint.
 */
public final class EvaluateRecipe implements Recipe {

    public static final String ID = "evaluate";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String modality() {
        return "any";
    }

    @Override
    public String task() {
        return "evaluation";
    }

    /** 2: the BERT-family classifier evaluators (bert, roberta, xlm-roberta, distilbert) joined the model types. */
    @Override
    public String version() {
        return "2";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(
                new ParamSpec("split", "string", "test", null, null, null, "the dataset split to score on"),
                new ParamSpec("metric", "string", "accuracy", null, null, null,
                        "the metric reported as the score (the evaluator computes all it knows)"),
                ParamSpec.integer("seed", 42, 0, Integer.MAX_VALUE, "seeds any split the dataset lacks"),
                ParamSpec.integer("batch_size", 64, 1, 4096, "examples per forward pass; does not change scores"));
    }

    /** Every model type this runner has an evaluator for. */
    @Override
    public List<String> modelTypes() {
        return ModelEvaluators.all().stream().map(ModelEvaluator::modelType).sorted().toList();
    }

    @Override
    public boolean needsBaseModel() {
        return true;
    }

    @Override
    public boolean producesModel() {
        return false;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        Params params = Params.of(parameters(), ctx.params());
        if (ctx.baseModelDir() == null || !Files.isDirectory(ctx.baseModelDir())) {
            throw new IllegalArgumentException(ID + " needs the model to evaluate as the job's base model");
        }
        ModelEvaluator evaluator = ModelEvaluators.forModel(ctx.baseModelDir());
        String metric = params.getString("metric");
        if (!evaluator.metrics().contains(metric)) {
            throw new IllegalArgumentException("the " + evaluator.modelType() + " evaluator computes " + evaluator.metrics()
                    + ", not \"" + metric + "\"");
        }
        String split = params.getString("split");
        ctx.log("Evaluating a " + evaluator.modelType() + " model (evaluator version " + evaluator.version() + ") on split "
                + split + ", metric " + metric);
        ModelEvaluation evaluation = evaluator.evaluate(new EvaluationRequest(ctx.baseModelDir(), ctx.datasetDir(), split,
                params.getInt("seed"), params.getInt("batch_size"), ctx::log));
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("score", evaluation.scores().get(metric));
        metrics.putAll(evaluation.scores());
        evaluation.scores().forEach((name, value) -> ctx.metric(0, "eval_" + name, value));
        ctx.log(String.format(Locale.ROOT, "%s = %.6f on %d examples", metric, metrics.get("score"), evaluation.examples()));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("model_type", evaluator.modelType());
        details.put("evaluator_version", evaluator.version());
        details.put("examples", evaluation.examples());
        details.put("preprocessing", evaluation.preprocessing());
        return new RunResult(metrics, true, details);
    }
}
