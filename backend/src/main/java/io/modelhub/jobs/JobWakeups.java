package io.modelhub.jobs;

import io.modelhub.platform.ChangeNotifications;
import io.modelhub.platform.JsonText;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Wakes long-polling claims when work appears, one claim per job. Every enqueue, requeue and retry NOTIFYs the queue
 * channel on commit with what the job needs of a runner (recipe, GPUs, GPU memory, labels); the instance's one
 * listening connection ({@link ChangeNotifications}) hears it on every hub instance, and each instance hands the
 * wake-up to one of its waiting claims whose runner could take the job: the one waiting longest among those with
 * nothing else handed to them. Waking every waiting claim for every job made 50 claims race for one row, and 49 of
 * them do a transaction for nothing (issue 17: p95 1 s to start a job with 50 runners).
 * <p>
 * A wake-up is never lost to a claim that does not use it: a claim that leaves with another job (a better one, by
 * priority), or that was handed the wake-up while it was already looking, passes it on to the next waiting claim that
 * could take that job. A claim that looked after the job was announced and found nothing consumes it: the job was
 * taken, or cancelled. A notification that names no job (a reconnect, another version's payload) wakes every claim.
 */
@ApplicationScoped
public class JobWakeups {
    private static final Logger LOG = Logger.getLogger(JobWakeups.class);

    @Inject
    ChangeNotifications notifications;
    @Inject
    EntityManager em;
    @Inject
    JsonText json;

    /** Guards the waiters and what is handed to them; each waiter sleeps on a condition of its own. */
    private final ReentrantLock lock = new ReentrantLock();
    /** The waiting claims of this instance, in the order they enlisted. */
    private final Set<Waiter> waiters = new LinkedHashSet<>();
    private long sleeps;
    /** Wake-ups handed to each runner's claims since start, job-specific or not: what the tests count. */
    private final Map<Long, AtomicLong> delivered = new ConcurrentHashMap<>();

    /** What a job needs of a runner: what its wake-up carries. */
    public record Needs(long jobId, String recipe, int gpus, long gpuMemoryMb, Set<String> labels) {
    }

    /** What a runner offers, as the claim's WHERE compares it with a job (see JobQueue's pick). */
    public record Offer(Set<String> recipes, int gpuCount, long gpuMemoryMb, Set<String> labels) {
        public boolean canRun(Needs job) {
            return recipes.contains(job.recipe()) && job.gpus() <= gpuCount && job.gpuMemoryMb() <= gpuMemoryMb
                    && labels.containsAll(job.labels());
        }
    }

    /** One long-polling claim. Enlist it before its first look at the queue, so that no wake-up after that is missed. */
    public final class Waiter {
        private final long runnerId;
        private final Condition handed = lock.newCondition();
        private Offer offer;
        /** Wake-ups handed to this claim that no look at the queue has answered yet. */
        private final List<Needs> pending = new ArrayList<>();
        /** Those the current look answers: handed over before it began. */
        private final List<Needs> looking = new ArrayList<>();
        private boolean everything;
        /** When it last went to sleep: the longest asleep gets the next job. */
        private long asleepSince;

        private Waiter(long runnerId, Offer offer) {
            this.runnerId = runnerId;
            this.offer = offer;
        }

        private int load() {
            return pending.size() + looking.size();
        }

        /** A look at the queue begins: what was handed over until now is what it answers. */
        public void looking() {
            lock.lock();
            try {
                looking.addAll(pending);
                pending.clear();
                everything = false;
            } finally {
                lock.unlock();
            }
        }

        /**
         * The look ended with job {@code took}, or with nothing (null). Nothing: the jobs it was woken for are gone
         * (taken or cancelled), their wake-ups are used up. Another job: theirs are still to hand on.
         */
        public void looked(Long took, Offer now) {
            lock.lock();
            try {
                if (now != null) {
                    offer = now;
                }
                if (took != null) {
                    pending.addAll(looking);
                    pending.removeIf(job -> job.jobId() == took);
                }
                looking.clear();
            } finally {
                lock.unlock();
            }
        }

        /**
         * Sleeps until a wake-up is handed to this claim or the timeout passes; returns at once when one came during
         * the last look (that look may have missed its job).
         */
        public void await(long timeoutMillis) throws InterruptedException {
            long left = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            lock.lock();
            try {
                asleepSince = ++sleeps;
                while (pending.isEmpty() && !everything && left > 0) {
                    left = handed.awaitNanos(left);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    void start(@Observes StartupEvent event) {
        // a reconnect wakes every claim too: whatever was queued while the connection was down is found by its retry
        notifications.listen(ChangeNotifications.QUEUE, this::wake);
    }

    /**
     * Announces a queued job to the runners waiting for work, on every hub instance, when the caller's transaction
     * commits; the announcement carries what the job needs, so only a claim that can take it wakes.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void queued(long jobId) {
        List<?> rows = em.createNativeQuery("select recipe_id || '@' || recipe_version as recipe, gpus, gpu_memory_mb, labels "
                + "from jobs where id = ?1", Tuple.class).setParameter(1, jobId).getResultList();
        for (Object row : rows) {
            Tuple t = (Tuple) row;
            notifications.publish(ChangeNotifications.QUEUE, json.write(Map.of("job", jobId, "recipe", t.get("recipe", String.class),
                    "gpus", t.get("gpus", Number.class).intValue(), "gpuMemoryMb", t.get("gpu_memory_mb", Number.class).longValue(),
                    "labels", List.of(t.get("labels", String[].class)))));
        }
    }

    /** Enlists a claim of runner {@code runnerId}, whose runner offers {@code offer}; {@link #leave} it when it ends. */
    public Waiter enlist(long runnerId, Offer offer) {
        Waiter w = new Waiter(runnerId, offer);
        lock.lock();
        try {
            w.asleepSince = ++sleeps;
            waiters.add(w);
        } finally {
            lock.unlock();
        }
        return w;
    }

    /**
     * The claim ends (with a job, with nothing, or on an error): the wake-ups it holds that no look of it answered go
     * to other waiting claims that could take their jobs.
     */
    public void leave(Waiter w) {
        lock.lock();
        try {
            waiters.remove(w);
            List<Needs> unused = new ArrayList<>(w.looking);
            unused.addAll(w.pending);
            w.looking.clear();
            w.pending.clear();
            unused.forEach(this::handOver);
        } finally {
            lock.unlock();
        }
    }

    /** Claims of this runner waiting on this instance now. */
    public boolean waiting(long runnerId) {
        lock.lock();
        try {
            return waiters.stream().anyMatch(w -> w.runnerId == runnerId);
        } finally {
            lock.unlock();
        }
    }

    /** Wake-ups handed to the claims of this runner on this instance since it started. */
    public long delivered(long runnerId) {
        AtomicLong n = delivered.get(runnerId);
        return n == null ? 0 : n.get();
    }

    void wake(String payload) {
        wake(parse(payload));
    }

    /** Hands the job's wake-up to one waiting claim that can take it; null (no job named) wakes them all. */
    void wake(Needs job) {
        lock.lock();
        try {
            if (job == null) {
                for (Waiter w : waiters) {
                    w.everything = true;
                    count(w);
                    w.handed.signal();
                }
            } else {
                handOver(job);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Hands the job's wake-up to the waiting claim that could take it with the fewest handed over, longest asleep. */
    private void handOver(Needs job) {
        Waiter best = null;
        for (Waiter w : waiters) {
            if (w.offer.canRun(job) && (best == null || w.load() < best.load()
                    || (w.load() == best.load() && w.asleepSince < best.asleepSince))) {
                best = w;
            }
        }
        if (best != null) {
            best.pending.add(job);
            count(best);
            best.handed.signal();
        }
    }

    private void count(Waiter w) {
        delivered.computeIfAbsent(w.runnerId, id -> new AtomicLong()).incrementAndGet();
    }

    private Needs parse(String payload) {
        if (payload == null || !payload.startsWith("{")) {
            return null;
        }
        try {
            Map<String, Object> m = json.readMap(payload);
            @SuppressWarnings("unchecked")
            List<String> labels = (List<String>) m.get("labels");
            return new Needs(((Number) m.get("job")).longValue(), (String) m.get("recipe"), ((Number) m.get("gpus")).intValue(),
                    ((Number) m.get("gpuMemoryMb")).longValue(), Set.copyOf(labels));
        } catch (RuntimeException e) {
            LOG.warn("A queue wake-up this version cannot read woke every claim: " + payload, e);
            return null;
        }
    }
}
