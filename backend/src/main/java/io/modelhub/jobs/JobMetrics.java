package io.modelhub.jobs;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The job queue's meters: modelhub_jobs{state} (jobs in each state), modelhub_jobs_queued{recipe} (queue depth)
 * and modelhub_job_time_to_start_seconds{recipe} (submit to first claim). The gauges are read from the database
 * every 10 s into a snapshot a scrape only reads, so N scrapers or series cost one query, not one each.
 */
@ApplicationScoped
@Startup
public class JobMetrics {
    @Inject
    MeterRegistry registry;
    @Inject
    EntityManager em;

    private MultiGauge byState;
    private MultiGauge queuedByRecipe;
    private final Set<String> recipesSeen = ConcurrentHashMap.newKeySet();

    @PostConstruct
    void init() {
        byState = MultiGauge.builder("modelhub.jobs").description("Jobs in each state").register(registry);
        queuedByRecipe = MultiGauge.builder("modelhub.jobs.queued").description("Queued jobs by recipe").register(registry);
    }

    @Scheduled(every = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    public void refresh() {
        List<MultiGauge.Row<?>> states = new ArrayList<>();
        List<?> counts = em.createNativeQuery("select state, count(*) as n from jobs group by state", Tuple.class).getResultList();
        for (JobState s : JobState.values()) {
            long n = counts.stream().map(r -> (Tuple) r).filter(r -> s.wire().equals(r.get("state", String.class)))
                    .mapToLong(r -> r.get("n", Number.class).longValue()).sum();
            // every state has a series, 0 included: an alert on "failed > 0" must see the 0 first
            states.add(MultiGauge.Row.of(Tags.of("state", s.wire()), n));
        }
        byState.register(states, true);
        Map<String, Long> queued = new TreeMap<>();
        // a recipe whose queue emptied keeps its series at 0 (not gone), so a graph shows the queue drain
        recipesSeen.forEach(r -> queued.put(r, 0L));
        // only queued rows: the partial index jobs_queued serves this, however many finished jobs there are
        for (Object r : em.createNativeQuery("select recipe_id, count(*) as n from jobs where state = " + JobState.QUEUED.sql()
                        + " group by recipe_id", Tuple.class).getResultList()) {
            Tuple row = (Tuple) r;
            queued.put(row.get("recipe_id", String.class), row.get("n", Number.class).longValue());
        }
        recipesSeen.addAll(queued.keySet());
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        queued.forEach((recipe, n) -> rows.add(MultiGauge.Row.of(Tags.of("recipe", recipe), n)));
        queuedByRecipe.register(rows, true);
    }

    /** A job's first claim: how long it waited since it was submitted. */
    void claimed(String recipe, double waitedSeconds) {
        Timer.builder("modelhub.job.time.to.start").description("Submit to first claim").tag("recipe", recipe)
                .register(registry).record(Duration.ofMillis(Math.max(0, Math.round(waitedSeconds * 1000))));
    }
}
