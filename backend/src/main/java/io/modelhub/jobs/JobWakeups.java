package io.modelhub.jobs;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.Statement;

/**
 * Wakes long-polling runners when work appears: one connection LISTENs on the "jobs" channel, and every
 * enqueue, requeue and retry NOTIFYs it (on commit). Runners on other hub instances are woken too, since they
 * listen on the same database. No busy polling: a waiting claim sleeps until a notification or its timeout.
 */
@ApplicationScoped
public class JobWakeups {
    private static final Logger LOG = Logger.getLogger(JobWakeups.class);

    @Inject
    AgroalDataSource dataSource;

    private final Object lock = new Object();
    private long generation;
    private volatile boolean running;
    private Thread listener;

    void start(@Observes StartupEvent event) {
        running = true;
        listener = new Thread(this::listen, "job-wakeups");
        listener.setDaemon(true);
        listener.start();
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        if (listener != null) {
            listener.interrupt();
        }
    }

    /** The current generation; pass it to {@link #awaitAfter} to sleep until something changes after now. */
    public long generation() {
        synchronized (lock) {
            return generation;
        }
    }

    /** Waits until a notification newer than {@code seen} arrives, or the timeout passes. */
    public void awaitAfter(long seen, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (lock) {
            while (generation == seen) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return;
                }
                lock.wait(left);
            }
        }
    }

    void wake() {
        synchronized (lock) {
            generation++;
            lock.notifyAll();
        }
    }

    private void listen() {
        while (running) {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                statement.execute("LISTEN jobs");
                PGConnection pg = connection.unwrap(PGConnection.class);
                // Whatever was queued while this connection was down is picked up by the waiters' own retries.
                wake();
                while (running) {
                    var notifications = pg.getNotifications(10_000);
                    if (notifications != null && notifications.length > 0) {
                        wake();
                    }
                }
            } catch (Exception e) {
                if (running) {
                    LOG.warn("Job notifications interrupted; reconnecting", e);
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }
}
