package io.modelhub.platform;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * Coordination between the hub instances that share one PostgreSQL (docs/architecture.md, "Several hub instances"),
 * through the database alone: no instance knows the others. Each task names its own key; advisory locks use the
 * two-key form under {@link #NAMESPACE}, a key space apart from the one-key locks of {@code BlobClaims}.
 */
@ApplicationScoped
public class ClusterLocks {
    /** First key of every lock taken here. */
    static final int NAMESPACE = 0x4d48_0001;

    /** This process, as {@code cluster_task_runs.instance} names it: enough to tell instances apart in a log. */
    public static final String INSTANCE = ProcessHandle.current().pid() + "@" + hostName();

    @Inject
    EntityManager em;

    /**
     * Inside the caller's transaction: waits until no other instance holds {@code task}'s lock, then holds it until
     * the transaction ends. For start-up work that every instance does once, but one at a time (the admin account).
     */
    public void awaitLock(String task) {
        em.createNativeQuery("select pg_advisory_xact_lock(?1, hashtext(?2))")
                .setParameter(1, NAMESPACE).setParameter(2, task).getSingleResult();
    }

    /**
     * Claims this period's run of {@code task} for this instance, in a transaction of its own: true for exactly one
     * of the instances whose ticks fall in one period, false for the others. Each instance keeps its own timer, so
     * their ticks do not line up and a lock alone would let each of them run once per period: the claim moves
     * {@code cluster_task_runs.last_run_at}. It does so under the task's advisory lock, so a concurrent claim gives
     * up at once instead of queueing on the row. A tick up to a tenth of the period early still claims, so timer
     * jitter does not hand every other period to another instance.
     */
    public boolean claimPeriod(String task, Duration period) {
        double seconds = period.toMillis() * 0.9 / 1000.0;
        return QuarkusTransaction.requiringNew().call(() -> {
            boolean locked = Boolean.TRUE.equals(em.createNativeQuery("select pg_try_advisory_xact_lock(?1, hashtext(?2))")
                    .setParameter(1, NAMESPACE).setParameter(2, task).getSingleResult());
            return locked && !em.createNativeQuery("insert into cluster_task_runs (task, last_run_at, instance) values (?1, now(), ?2) "
                            + "on conflict (task) do update set last_run_at = now(), instance = excluded.instance "
                            + "where cluster_task_runs.last_run_at <= now() - make_interval(secs => ?3) returning task")
                    .setParameter(1, task).setParameter(2, INSTANCE).setParameter(3, seconds).getResultList().isEmpty();
        });
    }

    /**
     * The shared secret named {@code name}: the one already in the database, or {@code candidate}, which becomes it
     * when no instance has stored one yet. Every instance gets the same value, whichever inserted first.
     */
    public String sharedSecret(String name, String candidate) {
        return QuarkusTransaction.requiringNew().call(() -> {
            em.createNativeQuery("insert into cluster_secrets (name, value) values (?1, ?2) on conflict (name) do nothing")
                    .setParameter(1, name).setParameter(2, candidate).executeUpdate();
            return (String) em.createNativeQuery("select value from cluster_secrets where name = ?1")
                    .setParameter(1, name).getSingleResult();
        });
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }
}
