package io.modelhub.jobs;

import io.modelhub.platform.ChangeNotifications;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/**
 * Wakes long-polling runners when work appears: every enqueue, requeue and retry NOTIFYs the queue channel (on
 * commit), which the instance's one listening connection ({@link ChangeNotifications}) hears. Runners on other hub
 * instances are woken too, since they listen on the same database. No busy polling: a waiting claim sleeps until a
 * notification or its timeout.
 */
@ApplicationScoped
public class JobWakeups {
    @Inject
    ChangeNotifications notifications;

    private final Object lock = new Object();
    private long generation;

    void start(@Observes StartupEvent event) {
        // a reconnect wakes the waiters too: whatever was queued while the connection was down is found by their retry
        notifications.listen(ChangeNotifications.QUEUE, payload -> wake());
    }

    /** Wakes the runners waiting for work, on every hub instance, when the caller's transaction commits. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void queued() {
        notifications.publish(ChangeNotifications.QUEUE, JobState.QUEUED.wire());
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
}
