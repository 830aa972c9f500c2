package io.modelhub.leaderboards;

import io.modelhub.accounts.Viewer;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.JsonText;
import io.modelhub.platform.Rows;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A benchmark's leaderboard: per model, its latest verified evaluation (computed by the hub's runners), ranked by
 * score in the benchmark's direction (ties share a rank); and apart from those, what model cards claim for the
 * same dataset and metric (self-reported). Private models appear only to those who can see them.
 */
@ApplicationScoped
public class LeaderboardService {
    @Inject
    EntityManager em;
    @Inject
    BenchmarkService benchmarks;
    @Inject
    JsonText json;

    /** Optional filters: modality (vision, text, ...), q (part of the model id), source (verified, self-reported). */
    public record Filters(String modality, String q, String source) {
        public static final Filters NONE = new Filters(null, null, null);
    }

    public record Entry(int rank, String model, String modelCommit, double score, Map<String, Object> scores, Long parameters,
                        String modality, Instant date, boolean verified, Long evaluationId, Long jobId, String runUrl,
                        String fingerprintSha256) {
    }

    public record SelfReported(String model, double value, String metricName, String split, Long parameters, String modality,
                               Instant date) {
    }

    public record Leaderboard(BenchmarkService.BenchmarkView benchmark, List<Entry> entries, List<SelfReported> selfReported) {
    }

    static String visibleRepo(String alias, Viewer viewer) {
        return viewer.admin() ? "true" : viewer.anonymous() ? "not " + alias + ".private"
                : "(not " + alias + ".private or " + alias + ".owner_id = " + viewer.accountId() + ")";
    }

    @Transactional
    public Leaderboard leaderboard(Viewer viewer, long benchmarkId, Filters filters) {
        BenchmarkService.BenchmarkView b = benchmarks.get(benchmarkId);
        Filters f = filters == null ? Filters.NONE : filters;
        String source = blank(f.source()) ? null : f.source().trim().toLowerCase(Locale.ROOT);
        if (source != null && !source.equals("verified") && !source.equals("self-reported")) {
            throw ApiException.badRequest("source must be 'verified' or 'self-reported', not '" + f.source() + "'");
        }
        String modality = blank(f.modality()) ? null : f.modality().trim();
        String q = blank(f.q()) ? null : "%" + f.q().trim().toLowerCase(Locale.ROOT).replace("%", "\\%").replace("_", "\\_") + "%";

        List<Entry> entries = new ArrayList<>();
        if (!"self-reported".equals(source)) {
            String order = b.higherIsBetter() ? "desc" : "asc";
            List<?> rows = em.createNativeQuery("select * from (select distinct on (e.repo_id) e.id, r.namespace || '/' || r.name as model, "
                            + "e.model_commit, e.score, cast(e.scores as text) as scores, r.parameters, r.modality, e.finished_at, e.job_id, "
                            + "e.fingerprint_sha256 from evaluations e join repos r on r.id = e.repo_id "
                            + "where e.benchmark_id = ?1 and e.score is not null" + repoFilter(viewer)
                            + " order by e.repo_id, e.finished_at desc, e.id desc) latest order by 4 " + order + ", 2", Tuple.class)
                    .setParameter(1, benchmarkId).setParameter(2, modality).setParameter(3, q).getResultList();
            int rank = 0;
            double previous = Double.NaN;
            for (int i = 0; i < rows.size(); i++) {
                Tuple c = (Tuple) rows.get(i);
                double score = c.get("score", Number.class).doubleValue();
                if (score != previous) {
                    rank = i + 1;
                    previous = score;
                }
                Long jobId = Rows.longOrNull(c, "job_id");
                String scores = c.get("scores", String.class);
                Object fingerprintSha256 = c.get("fingerprint_sha256");
                entries.add(new Entry(rank, c.get("model", String.class), c.get("model_commit").toString().trim(), score,
                        scores == null ? Map.of() : json.readMap(scores), Rows.longOrNull(c, "parameters"),
                        c.get("modality", String.class), c.get("finished_at", Instant.class), true, c.get("id", Number.class).longValue(),
                        jobId, jobId == null ? null : EvaluationService.runUrl(jobId),
                        fingerprintSha256 == null ? null : fingerprintSha256.toString().trim()));
            }
        }
        List<SelfReported> claimed = new ArrayList<>();
        if (!"verified".equals(source)) {
            String datasetName = b.dataset().substring(b.dataset().indexOf('/') + 1);
            for (Object row : em.createNativeQuery("select r.namespace || '/' || r.name as model, s.value, s.metric_name, s.split, "
                            + "r.parameters, r.modality, r.updated_at from self_reported_results s join repos r on r.id = s.repo_id "
                            + "where ?1 > 0 and lower(s.dataset) in (lower(?4), lower(?5)) and lower(s.metric) = lower(?6) "
                            + "and (s.split is null or s.split = ?7) and (s.task is null or s.task = ?8)" + repoFilter(viewer)
                            + " order by s.value " + (b.higherIsBetter() ? "desc" : "asc") + ", 1", Tuple.class)
                    .setParameter(1, benchmarkId).setParameter(2, modality).setParameter(3, q).setParameter(4, b.dataset())
                    .setParameter(5, datasetName).setParameter(6, b.metric()).setParameter(7, b.split()).setParameter(8, b.task())
                    .getResultList()) {
                Tuple c = (Tuple) row;
                claimed.add(new SelfReported(c.get("model", String.class), c.get("value", Number.class).doubleValue(),
                        c.get("metric_name", String.class), c.get("split", String.class), Rows.longOrNull(c, "parameters"),
                        c.get("modality", String.class), c.get("updated_at", Instant.class)));
            }
        }
        return new Leaderboard(b, entries, claimed);
    }

    /** Visibility, then ?2 (modality) and ?3 (part of the model id) when given. */
    private static String repoFilter(Viewer viewer) {
        return " and " + visibleRepo("r", viewer) + " and (cast(?2 as text) is null or r.modality = ?2)"
                + " and (cast(?3 as text) is null or lower(r.namespace || '/' || r.name) like ?3)";
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
