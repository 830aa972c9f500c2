package io.modelhub.leaderboards;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.modelhub.jobs.JobState;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * modelhub_evaluations{state}: evaluations by the state of their job, as the evaluations API shows it (an
 * evaluation whose job was deleted counts as succeeded when it has a score, else unknown). Read every 10 s.
 */
@ApplicationScoped
@Startup
public class EvaluationMetrics {
    @Inject
    MeterRegistry registry;
    @Inject
    EntityManager em;

    private MultiGauge byState;

    @PostConstruct
    void init() {
        byState = MultiGauge.builder("modelhub.evaluations").description("Evaluations by state").register(registry);
    }

    @Scheduled(every = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    public void refresh() {
        Map<String, Long> counts = new LinkedHashMap<>();
        // every state has a series, 0 included, so a rate or an alert starts from 0 rather than from no data
        for (JobState s : JobState.values()) {
            counts.put(s.wire(), 0L);
        }
        counts.put("unknown", 0L);
        for (Object r : em.createNativeQuery("select coalesce(j.state, case when e.score is null then 'unknown' else "
                + JobState.SUCCEEDED.sql() + " end) as state, count(*) as n from evaluations e left join jobs j on j.id = e.job_id "
                + "group by 1", Tuple.class).getResultList()) {
            Tuple row = (Tuple) r;
            counts.put(row.get("state", String.class), row.get("n", Number.class).longValue());
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        counts.forEach((state, n) -> rows.add(MultiGauge.Row.of(Tags.of("state", state), n)));
        byState.register(rows, true);
    }
}
