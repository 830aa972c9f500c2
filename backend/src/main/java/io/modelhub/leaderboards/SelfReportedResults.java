package io.modelhub.leaderboards;

import io.modelhub.catalog.CardIndexed;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Results a model card claims in its Hugging Face {@code model-index} front matter
 * ({@code model-index[].results[].task/dataset/metrics[]{type, value, name}}), kept per model repo as of its
 * default branch. They are shown as self-reported, apart from the scores the hub's runners computed. Entries
 * without a dataset, a metric type or a numeric value are skipped: a sloppy card must not block a commit.
 */
@ApplicationScoped
public class SelfReportedResults {
    @Inject
    EntityManager em;

    /** One claimed result, as parsed from the card. */
    public record Claim(String task, String dataset, String datasetName, String split, String metric, String metricName,
                        double value) {
    }

    void onCardIndexed(@Observes CardIndexed event) {
        em.createNativeQuery("delete from self_reported_results where repo_id = ?1").setParameter(1, event.repo().id).executeUpdate();
        for (Claim c : parse(event.modelIndex())) {
            em.createNativeQuery("insert into self_reported_results (repo_id, task, dataset, dataset_name, split, metric, metric_name, value) "
                            + "values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                    .setParameter(1, event.repo().id).setParameter(2, c.task()).setParameter(3, c.dataset())
                    .setParameter(4, c.datasetName()).setParameter(5, c.split()).setParameter(6, c.metric())
                    .setParameter(7, c.metricName()).setParameter(8, c.value()).executeUpdate();
        }
    }

    static List<Claim> parse(Object modelIndex) {
        List<Claim> out = new ArrayList<>();
        for (Object model : list(modelIndex)) {
            for (Object result : list(map(model).get("results"))) {
                Map<?, ?> r = map(result);
                Map<?, ?> task = map(r.get("task"));
                Map<?, ?> dataset = map(r.get("dataset"));
                String datasetId = text(dataset.get("type"));
                if (datasetId == null) {
                    continue;
                }
                for (Object metric : list(r.get("metrics"))) {
                    Map<?, ?> m = map(metric);
                    String type = text(m.get("type"));
                    Double value = number(m.get("value"));
                    if (type != null && value != null) {
                        out.add(new Claim(text(task.get("type")), datasetId, text(dataset.get("name")), text(dataset.get("split")),
                                type, text(m.get("name")), value));
                    }
                }
            }
        }
        return out;
    }

    private static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    private static Map<?, ?> map(Object o) {
        return o instanceof Map<?, ?> m ? m : Map.of();
    }

    private static String text(Object o) {
        return o == null || o.toString().isBlank() ? null : o.toString().trim();
    }

    private static Double number(Object o) {
        if (o instanceof Number n) {
            return Double.isFinite(n.doubleValue()) ? n.doubleValue() : null;
        }
        if (o instanceof String s) {
            try {
                double d = Double.parseDouble(s.trim());
                return Double.isFinite(d) ? d : null;
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
