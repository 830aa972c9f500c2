package io.modelhub.jobs;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The card of a model a job produced: front matter that links its base model and dataset (so the catalog
 * shows the lineage), and the hyperparameters and results of the run.
 */
final class JobCard {
    private JobCard() {
    }

    /** @param task the recipe's published task (its HF pipeline tag); null when no runner publishes the recipe any more */
    static String render(long jobId, String recipe, String task, String recipeVersion, Map<String, Object> params, String baseModel,
                         String baseRevision, String dataset, String datasetRevision, Map<String, Object> result) {
        StringBuilder md = new StringBuilder("---\n");
        md.append("library_name: djl\n");
        if (task != null && !task.isBlank()) {
            md.append("pipeline_tag: ").append(task).append('\n');
        }
        if (baseModel != null) {
            md.append("base_model: ").append(baseModel).append('\n');
        }
        md.append("datasets:\n- ").append(dataset).append('\n');
        md.append("tags:\n- modelhub\n- ").append(recipe).append('\n');
        md.append("---\n\n");
        md.append("# Trained by ModelHub job ").append(jobId).append("\n\n");
        md.append("Recipe `").append(recipe).append("` (version ").append(recipeVersion).append(")");
        if (baseModel != null) {
            md.append(", fine-tuned from [").append(baseModel).append("](/").append(baseModel).append(") at `")
                    .append(baseRevision, 0, 10).append('`');
        }
        md.append(", on [").append(dataset).append("](/datasets/").append(dataset).append(") at `")
                .append(datasetRevision, 0, 10).append("`.\n\n");
        md.append("## Hyperparameters\n\n| parameter | value |\n|---|---|\n");
        new TreeMap<>(params).forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        if (result != null && !result.isEmpty()) {
            md.append("\n## Results\n\n| metric | value |\n|---|---|\n");
            new TreeMap<>(result).forEach((k, v) -> md.append("| ").append(k).append(" | ")
                    .append(v instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : v).append(" |\n"));
        }
        return md.toString();
    }
}
