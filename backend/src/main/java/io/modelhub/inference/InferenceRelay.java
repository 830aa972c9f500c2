package io.modelhub.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.contract.InferenceProtocol.Result;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ChangeNotifications;
import io.modelhub.platform.ClusterLocks;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Inference requests across hub instances, through PostgreSQL. The {@link InferenceRouter} keeps a request in the
 * memory of the instance that received it, for the serving runners that poll that instance; an instance without a
 * live serving runner hands its caller's request over here instead:
 * <ol>
 * <li>the caller's instance (A) writes the prepared request (visibility already checked, commit pinned) to
 * {@code inference_requests} with a deadline and NOTIFYs {@code new};</li>
 * <li>an instance with a live serving runner (B) claims the row (one {@code update ... where claimed_by is null}: one
 * claimer wins), submits the request to its own router, which routes and fails over among B's runners as for a local
 * caller, and writes the outcome back with a {@code done} NOTIFY;</li>
 * <li>A deletes the row as it reads the outcome, or when its caller's wait ends; rows left by an instance that died
 * are deleted once past their deadline.</li>
 * </ol>
 * An instance with a live serving runner never comes here, so a single hub pays nothing: no row, no NOTIFY. Which
 * instances have a live serving runner is kept in {@code serving_instances} (refreshed every few seconds), so that an
 * instance without one still answers "no serving runner" at once when no instance has one.
 */
@ApplicationScoped
public class InferenceRelay {
    private static final Logger LOG = Logger.getLogger(InferenceRelay.class);
    /** How often an instance with a live serving runner says so; a mark older than {@link #SERVING_STALE_S} is gone. */
    static final int SERVING_EVERY_S = 5;
    static final int SERVING_STALE_S = 3 * SERVING_EVERY_S;
    /**
     * The claiming instance gives up this much before the deadline and writes why (loading, busy), so that the caller
     * gets the same 503 as a local one rather than a bare time-out.
     */
    static final long REPORT_BEFORE_DEADLINE_MS = 300;
    private static final String NEW = "new";
    private static final String DONE = "done";

    @Inject
    EntityManager em;
    @Inject
    ChangeNotifications notifications;
    @Inject
    InferenceRouter router;
    @Inject
    ObjectMapper json;

    /** This instance as {@code origin} and {@code claimed_by} name it: pid@host, plus a counter for test instances. */
    private final String instance = ClusterLocks.INSTANCE + "#" + INSTANCES.incrementAndGet();
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** The requests of this instance's callers waiting for another instance's answer, by request id. */
    private final Map<String, Waiter> waiting = new ConcurrentHashMap<>();
    /** Claims (delayed for an instance without the model loaded) and the waits of relayed requests on the router. */
    private final ScheduledExecutorService claims = Executors.newScheduledThreadPool(1, daemon("inference-relay-claims"));
    private final java.util.concurrent.ExecutorService serving = Executors.newCachedThreadPool(daemon("inference-relay-serving"));
    private volatile boolean closing;
    private volatile long servingMarkedAt;

    /** What a relayed request came to, as the claiming instance writes it: {@link InferenceRouter.Outcome}'s fields. */
    record Relayed(Result result, InferenceRouter.Stall stall, String runnerName) {
    }

    private static final class Waiter {
        private boolean signalled;

        synchronized void signal() {
            signalled = true;
            notifyAll();
        }

        /** Waits up to {@code ms} for a signal; true if one came (and consumes it). */
        synchronized boolean await(long ms) throws InterruptedException {
            long deadline = System.currentTimeMillis() + ms;
            while (!signalled) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return false;
                }
                wait(left);
            }
            signalled = false;
            return true;
        }
    }

    void start(@Observes StartupEvent event) {
        notifications.listen(ChangeNotifications.INFERENCE, this::heard);
    }

    void stop(@Observes ShutdownEvent event) {
        closing = true;
        waiting.values().forEach(Waiter::signal);
        claims.shutdownNow();
        serving.shutdownNow();
        try {
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("delete from serving_instances where instance = ?1")
                    .setParameter(1, instance).executeUpdate());
        } catch (RuntimeException e) {
            LOG.debug("Could not withdraw this instance's serving mark at shutdown", e);
        }
    }

    /** This instance's name in the table (for tests that play another instance). */
    String instance() {
        return instance;
    }

    /** Whether another hub instance has a live serving runner now (one indexed read). */
    public boolean othersServe() {
        return QuarkusTransaction.requiringNew().call(() -> (Boolean) em.createNativeQuery("select exists (select 1 from "
                        + "serving_instances where instance <> ?1 and seen_at > now() - make_interval(secs => ?2))")
                .setParameter(1, instance).setParameter(2, SERVING_STALE_S).getSingleResult());
    }

    /**
     * The outcome of {@code work} from a serving runner of another instance, waiting up to {@code waitMs}. The row is
     * gone when this returns, answered or not.
     */
    public InferenceRouter.Outcome relay(Work work, long waitMs) throws InterruptedException {
        Waiter waiter = new Waiter();
        waiting.put(work.id(), waiter);
        try {
            byte[] payload = write(work);
            QuarkusTransaction.requiringNew().run(() -> {
                em.createNativeQuery("insert into inference_requests (id, model, task, work, origin, deadline) "
                                + "values (?1, ?2, ?3, ?4, ?5, now() + make_interval(secs => ?6))")
                        .setParameter(1, work.id()).setParameter(2, model(work)).setParameter(3, work.task())
                        .setParameter(4, payload).setParameter(5, instance).setParameter(6, waitMs / 1000.0).executeUpdate();
                notifications.publish(ChangeNotifications.INFERENCE, NEW + " " + work.id() + " " + model(work));
            });
            long deadline = System.currentTimeMillis() + waitMs;
            while (true) {
                long left = deadline - System.currentTimeMillis();
                boolean signalled = left > 0 && !closing && waiter.await(left);
                if (closing) {
                    take(work.id(), true);
                    return new InferenceRouter.Outcome(Result.error(503, "The hub is shutting down; try again"), null, null);
                }
                if (signalled || left <= 0) {
                    Relayed done = take(work.id(), left <= 0);
                    if (done != null) {
                        return new InferenceRouter.Outcome(done.result(), done.stall(), done.runnerName());
                    }
                    if (left <= 0) {
                        // unanswered at the deadline; the claiming instance, if any, did not report in time
                        return new InferenceRouter.Outcome(null, InferenceRouter.Stall.BUSY, null);
                    }
                }
            }
        } finally {
            waiting.remove(work.id());
        }
    }

    /** Deletes the request's row if it has an outcome (or {@code always}) and returns the outcome, if any. */
    private Relayed take(String id, boolean always) {
        List<?> rows = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("delete from inference_requests where id = ?1"
                + (always ? "" : " and outcome is not null") + " returning outcome").setParameter(1, id).getResultList());
        byte[] outcome = rows.isEmpty() ? null : (byte[]) rows.get(0);
        return outcome == null ? null : read(outcome, Relayed.class);
    }

    /**
     * A serving runner's poll: an instance whose first serving runner comes (or that has one) marks itself serving,
     * and takes what other instances relayed while it had none.
     */
    void runnerPolls(boolean joined) {
        long now = System.currentTimeMillis();
        if (joined || now - servingMarkedAt > SERVING_EVERY_S * 1000L) {
            servingMarkedAt = now;
            claims.execute(() -> {
                markServing();
                if (joined) {
                    claimWaiting();
                }
            });
        }
    }

    /** Keeps this instance's serving mark fresh while its runners sit in long polls, which come every 20 s only. */
    @Scheduled(every = SERVING_EVERY_S + "s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void keepServingMark() {
        if (router.anyServing()) {
            servingMarkedAt = System.currentTimeMillis();
            markServing();
        }
    }

    /**
     * Rows whose caller's instance did not delete them (it stopped while waiting): gone a minute after their deadline.
     * Idempotent, so every instance may run it.
     */
    @Scheduled(every = "60s", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        sweepExpired(60);
    }

    /** Deletes requests more than {@code graceSeconds} past their deadline; the number deleted. */
    int sweepExpired(int graceSeconds) {
        return QuarkusTransaction.requiringNew().call(() -> {
            em.createNativeQuery("delete from serving_instances where seen_at < now() - interval '1 hour'").executeUpdate();
            return em.createNativeQuery("delete from inference_requests where deadline < now() - make_interval(secs => ?1)")
                    .setParameter(1, graceSeconds).executeUpdate();
        });
    }

    private void markServing() {
        try {
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("insert into serving_instances (instance, seen_at) "
                            + "values (?1, now()) on conflict (instance) do update set seen_at = now()")
                    .setParameter(1, instance).executeUpdate());
        } catch (RuntimeException e) {
            LOG.warn("Could not mark this instance as serving", e);
        }
    }

    /** The listening thread: only hands work off. */
    private void heard(String payload) {
        if (closing) {
            return;
        }
        if (ChangeNotifications.RECONNECTED.equals(payload)) {
            // whatever was notified while the connection was down is lost: waiters look at their rows, claims are retried
            waiting.values().forEach(Waiter::signal);
            if (router.anyServing()) {
                claims.execute(this::claimWaiting);
            }
            return;
        }
        String[] parts = payload.split(" ");
        if (parts.length >= 2 && DONE.equals(parts[0])) {
            Waiter waiter = waiting.get(parts[1]);
            if (waiter != null) {
                waiter.signal();
            }
        } else if (parts.length >= 3 && NEW.equals(parts[0]) && !waiting.containsKey(parts[1]) && router.anyServing()) {
            // an instance whose runner has the model loaded claims at once; the others give it that head start, as the
            // router gives a loaded runner before a cold one
            long delay = router.hasLoaded(parts[2]) ? 0 : InferenceRouter.PREFER_LOADED_MS;
            claims.schedule(() -> claim(parts[1]), delay, TimeUnit.MILLISECONDS);
        }
    }

    /** Claims what other instances relayed and nobody claimed yet (a runner just came, or notifications were lost). */
    private void claimWaiting() {
        try {
            @SuppressWarnings("unchecked")
            List<String> ids = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("select id from inference_requests "
                            + "where claimed_by is null and origin <> ?1 and deadline > now() order by created_at limit 100")
                    .setParameter(1, instance).getResultList());
            ids.forEach(this::claim);
        } catch (RuntimeException e) {
            LOG.warn("Could not look for relayed inference requests", e);
        }
    }

    private void claim(String id) {
        if (closing) {
            return;
        }
        try {
            List<?> rows = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("update inference_requests set "
                            + "claimed_by = ?1, claimed_at = now() where id = ?2 and claimed_by is null and origin <> ?1 "
                            + "and deadline > now() returning work, "
                            + "cast(extract(epoch from deadline - now()) * 1000 as bigint) as left_ms", Tuple.class)
                    .setParameter(1, instance).setParameter(2, id).getResultList());
            if (rows.isEmpty()) {
                return;
            }
            Tuple row = (Tuple) rows.get(0);
            Work work = read(row.get("work", byte[].class), Work.class);
            long leftMs = row.get("left_ms", Number.class).longValue();
            serving.execute(() -> serve(work, leftMs));
        } catch (RuntimeException e) {
            LOG.warn("Could not claim relayed inference request " + id, e);
        }
    }

    /** Routes a claimed request to this instance's runners and writes what it came to for the caller's instance. */
    private void serve(Work work, long leftMs) {
        Relayed outcome;
        try {
            router.refuseIfNoRunnerFits(work);
            InferenceRouter.Outcome o = router.await(router.submit(work), Math.max(0, leftMs - REPORT_BEFORE_DEADLINE_MS));
            outcome = new Relayed(o.result(), o.stall(), o.runnerName());
        } catch (ApiException e) {
            outcome = new Relayed(Result.error(e.status(), e.getMessage()), null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = new Relayed(Result.error(503, "The hub instance serving the request is shutting down; try again"), null, null);
        } catch (RuntimeException e) {
            LOG.warn("Relayed inference request " + work.id() + " failed", e);
            outcome = new Relayed(Result.error(500, "The hub instance serving the request failed: " + e.getMessage()), null, null);
        }
        byte[] bytes = write(outcome);
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                int updated = em.createNativeQuery("update inference_requests set outcome = ?1 where id = ?2 and claimed_by = ?3")
                        .setParameter(1, bytes).setParameter(2, work.id()).setParameter(3, instance).executeUpdate();
                if (updated > 0) {
                    notifications.publish(ChangeNotifications.INFERENCE, DONE + " " + work.id());
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("Could not write the outcome of relayed inference request " + work.id(), e);
        }
    }

    static String model(Work work) {
        return work.repo() + "@" + work.revision();
    }

    private byte[] write(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T read(byte[] bytes, Class<T> type) {
        try {
            return json.readValue(bytes, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
