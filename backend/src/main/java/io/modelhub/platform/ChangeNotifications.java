package io.modelhub.platform;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * PostgreSQL LISTEN/NOTIFY for the whole hub instance: one connection listens on every channel something here
 * follows, and one loop reconnects it. Writers {@link #publish} in their own transaction, so a notification goes out
 * on commit only, and reaches every hub instance on the database (a change made through instance B wakes instance
 * A's listeners). PostgreSQL folds identical notifications of one transaction into one, so a batch of 50 metric
 * points costs one.
 * <p>
 * Listeners run on the listening thread: they must only hand work off (wake a waiter, schedule a reload). After the
 * connection was lost and comes back, each listener is called with {@link #RECONNECTED}, since whatever was
 * notified meanwhile is lost: a listener treats it as "anything may have changed".
 */
@ApplicationScoped
public class ChangeNotifications {
    private static final Logger LOG = Logger.getLogger(ChangeNotifications.class);

    /** The channel of the job queue's wake-ups (JobWakeups). */
    public static final String QUEUE = "jobs";
    /** The channel of what the live pages show; the payload is a topic: {@link #JOBS}, {@link #RUNNERS}, {@link #job}. */
    public static final String CHANGES = "changes";
    /** The channel of inference requests handed between hub instances (InferenceRelay). */
    public static final String INFERENCE = "inference";
    /** Payload of the call every listener gets when the listening connection (re)starts. */
    public static final String RECONNECTED = "*";
    /** The jobs list: a job was submitted or changed state. */
    public static final String JOBS = "jobs";
    /** The runners: registered, heartbeat with utilisation, state, current job. */
    public static final String RUNNERS = "runners";
    private static final List<String> CHANNELS = List.of(QUEUE, CHANGES, INFERENCE);

    @Inject
    AgroalDataSource dataSource;
    @Inject
    EntityManager em;

    private final Map<String, List<Consumer<String>>> listeners = new ConcurrentHashMap<>();
    private volatile boolean running;
    private Thread thread;

    /** The topic of one job: its state, metrics, logs and its runner's utilisation. */
    public static String job(long jobId) {
        return "job:" + jobId;
    }

    /** Calls {@code listener} with the payload of every notification on {@code channel}, from any hub instance. */
    public void listen(String channel, Consumer<String> listener) {
        if (!CHANNELS.contains(channel)) {
            throw new IllegalArgumentException("Not a listened channel: " + channel);
        }
        listeners.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(listener);
    }

    /** Notifies {@code topic} on the {@link #CHANGES} channel when the caller's transaction commits. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void publish(String topic) {
        publish(CHANGES, topic);
    }

    /**
     * Notifies each of {@code topics} on the {@link #CHANGES} channel when the caller's transaction commits, in one
     * round trip to the database.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void publishAll(String... topics) {
        em.createNativeQuery("select count(pg_notify(?1, t)) from unnest(cast(?2 as text[])) t").setParameter(1, CHANGES)
                .setParameter(2, PgArrays.text(List.of(topics))).getSingleResult();
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void publish(String channel, String payload) {
        em.createNativeQuery("select pg_notify(?1, ?2)").setParameter(1, channel).setParameter(2, payload).getSingleResult();
    }

    void start(@Observes StartupEvent event) {
        running = true;
        thread = new Thread(this::listen, "change-notifications");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void listen() {
        while (running) {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                for (String channel : CHANNELS) {
                    statement.execute("LISTEN " + channel);
                }
                // pgjdbc reads LISTEN's answer on this autocommit connection; nothing stays open in a transaction
                PGConnection pg = connection.unwrap(PGConnection.class);
                // a query on a half-open link (database failover, a NAT's idle timeout) fails within this, not never
                connection.setNetworkTimeout(Runnable::run, 30_000);
                CHANNELS.forEach(channel -> deliver(channel, RECONNECTED));
                while (running) {
                    // waits on the socket: no query runs while notifications come
                    PGNotification[] notifications = pg.getNotifications(10_000);
                    if (notifications != null && notifications.length > 0) {
                        for (PGNotification n : notifications) {
                            deliver(n.getName(), n.getParameter());
                        }
                    } else {
                        // a dead link answers a wait with silence forever: after 10 s of it, a round trip tells
                        statement.execute("select 1");
                    }
                }
            } catch (Exception e) {
                if (running) {
                    LOG.warn("Change notifications interrupted; reconnecting", e);
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    private void deliver(String channel, String payload) {
        for (Consumer<String> listener : listeners.getOrDefault(channel, List.of())) {
            try {
                listener.accept(payload);
            } catch (RuntimeException e) {
                LOG.warn("A change listener failed on " + channel + " " + payload, e);
            }
        }
    }
}
