package io.modelhub.ui.jobs;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.shared.Registration;
import io.modelhub.platform.ChangeNotifications;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Pushes changes to the open job, jobs and runners pages. Each attached view names the topics it follows
 * ({@link ChangeNotifications#job}, {@link ChangeNotifications#JOBS}, {@link ChangeNotifications#RUNNERS}); a
 * PostgreSQL notification of one of them, from any hub instance, schedules that view's loader, which reads what
 * changed (on this class's threads, outside the session lock) and returns the update to apply under
 * {@link UI#access}. A view nobody changes costs no query.
 * <p>
 * Bursts are coalesced: a view reloads at most once per {@link #MIN_INTERVAL_MILLIS}, however many notifications
 * arrive (a runner posting metrics ten times a second), and one reload covers all that arrived before it started.
 */
@ApplicationScoped
public class LiveUpdates {
    private static final Logger LOG = Logger.getLogger(LiveUpdates.class);
    /**
     * Short enough that a page shows a change within ~1 s of its commit, long enough to fold a runner's bursts (a
     * runner posting ten times a second costs a followed job two reads a second, not ten).
     */
    static final long MIN_INTERVAL_MILLIS = 500;

    @Inject
    ChangeNotifications notifications;

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "ui-live-updates");
        t.setDaemon(true);
        return t;
    });
    private final Set<Follower> followers = ConcurrentHashMap.newKeySet();
    /** Notifications seen per topic, so that a shared cache ({@link JobFeeds}) knows when it is stale. */
    private final Map<String, AtomicLong> generations = new ConcurrentHashMap<>();
    private final AtomicLong reconnects = new AtomicLong();

    void start(@Observes StartupEvent event) {
        notifications.listen(ChangeNotifications.CHANGES, this::changed);
    }

    /**
     * While {@code view} is attached, runs {@code load} after each change of one of the topics {@code topics} names
     * (asked again at each notification: a view may follow another job later) and applies the update it returns
     * (null: nothing to show) to the view's UI. With {@code safetyRefresh}, also every that long, for what changes
     * without a write (a runner that went silent is offline after a while).
     */
    public void follow(Component view, Supplier<Set<String>> topics, Duration safetyRefresh, Supplier<Runnable> load) {
        view.addAttachListener(attach -> {
            Follower follower = new Follower(attach.getUI(), topics, load);
            followers.add(follower);
            // a change between the view's first read and now would otherwise wait for the next one
            follower.schedule();
            ScheduledFuture<?> safety = safetyRefresh == null ? null : scheduler.scheduleWithFixedDelay(follower::schedule,
                    safetyRefresh.toMillis(), safetyRefresh.toMillis(), TimeUnit.MILLISECONDS);
            Registration[] detach = new Registration[1];
            detach[0] = view.addDetachListener(d -> {
                followers.remove(follower);
                if (safety != null) {
                    safety.cancel(false);
                }
                detach[0].remove();
            });
        });
    }

    /** Changes of {@code topic} heard so far; it moves before the views following it are scheduled. */
    public long generation(String topic) {
        AtomicLong g = generations.get(topic);
        return reconnects.get() + (g == null ? 0 : g.get());
    }

    /**
     * Loads run since they attached by the views now following {@code topic} (tests count them: with nothing changing,
     * none; pages other tests left open in the same server do not count).
     */
    public long loads(String topic) {
        return followers.stream().filter(f -> f.topics.get().contains(topic)).mapToLong(f -> f.loads.get()).sum();
    }

    /** How many attached views follow {@code topic} (a closed browser's page stays attached until its session ends). */
    public long following(String topic) {
        return followers.stream().filter(f -> f.topics.get().contains(topic)).count();
    }

    void changed(String topic) {
        if (topic.equals(ChangeNotifications.RECONNECTED)) {
            reconnects.incrementAndGet();
        } else {
            generations.computeIfAbsent(topic, t -> new AtomicLong()).incrementAndGet();
        }
        for (Follower f : followers) {
            if (topic.equals(ChangeNotifications.RECONNECTED) || f.topics.get().contains(topic)) {
                f.schedule();
            }
        }
    }

    void stop(@Observes ShutdownEvent event) {
        scheduler.shutdownNow();
    }

    private final class Follower {
        final UI ui;
        final Supplier<Set<String>> topics;
        final Supplier<Runnable> load;
        /** A run is scheduled and has not started: later notifications are covered by it. */
        final AtomicBoolean pending = new AtomicBoolean();
        /** A load is running; a run that finds it so leaves {@link #dirty} for it instead of waiting on it. */
        final AtomicBoolean loading = new AtomicBoolean();
        final AtomicBoolean dirty = new AtomicBoolean();
        final AtomicLong loads = new AtomicLong();
        volatile long lastStart;

        Follower(UI ui, Supplier<Set<String>> topics, Supplier<Runnable> load) {
            this.ui = ui;
            this.topics = topics;
            this.load = load;
        }

        void schedule() {
            if (pending.compareAndSet(false, true)) {
                long wait = Math.max(0, lastStart + MIN_INTERVAL_MILLIS - System.currentTimeMillis());
                scheduler.schedule(this::run, wait, TimeUnit.MILLISECONDS);
            }
        }

        void run() {
            pending.set(false);
            // one load at a time per view (the loaders keep what they showed last), and never a scheduler thread
            // blocked behind a slow one: a change heard meanwhile is loaded once the running load ends
            if (!loading.compareAndSet(false, true)) {
                dirty.set(true);
                if (!loading.get() && dirty.getAndSet(false)) {
                    schedule(); // the load ended between the two checks, before it could see the mark
                }
                return;
            }
            try {
                lastStart = System.currentTimeMillis();
                if (!ui.isAttached()) {
                    return;
                }
                loads.incrementAndGet();
                Runnable update = load.get();
                if (update != null) {
                    ui.access(update::run);
                }
            } catch (RuntimeException e) {
                LOG.debug("Live update failed; the next change tries again", e);
            } finally {
                loading.set(false);
                if (dirty.getAndSet(false)) {
                    schedule();
                }
            }
        }
    }
}
