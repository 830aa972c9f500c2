package io.modelhub.ui.jobs;

import io.modelhub.accounts.Viewer;
import io.modelhub.jobs.JobService;
import io.modelhub.jobs.JobService.JobView;
import io.modelhub.jobs.JobState;
import io.modelhub.jobs.MetricSeries;
import io.modelhub.platform.ChangeNotifications;
import io.modelhub.runners.RunnerService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the job pages show of a job, read once per change for every page open on it in this hub instance: fifty
 * people watching one run cost the database what one does. A feed is stale when {@link LiveUpdates} heard of a
 * change of its job since it was read; it then reads only what arrived since (new log lines, new metric rows).
 * The job's data is the same for every viewer allowed to see it; whether one may is the page's check, made when it
 * opens the job, as before.
 */
@ApplicationScoped
public class JobFeeds {
    /** Log lines a page keeps. */
    static final int LOG_TAIL = 300;
    /** Jobs kept; the least recently shown goes first (a page still open on it reads it again). */
    private static final int MAX_FEEDS = 256;

    @Inject
    JobService jobs;
    @Inject
    RunnerService runners;
    @Inject
    LiveUpdates live;

    private final Map<Long, Feed> feeds = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Feed> eldest) {
            return size() > MAX_FEEDS;
        }
    };

    /**
     * One reading of a job: its row, the points of its curves (each series downsampled to {@code JobPage.MAX_POINTS}),
     * per-epoch rows, its timeline, latest checkpoint, its runner and the last log lines. Immutable: pages share it.
     */
    public record Snapshot(JobView job, long points, Map<String, List<JobService.MetricPoint>> series,
                           List<Map<String, Double>> epochRows, List<JobService.Event> events, Integer checkpoint,
                           RunnerService.RunnerView runner, List<JobService.LogLine> logTail) {
    }

    /** The job as of the last change heard, read now if it changed since (with {@code viewer}'s rights). */
    public Snapshot snapshot(Viewer viewer, long jobId) {
        Feed feed;
        synchronized (feeds) {
            feed = feeds.computeIfAbsent(jobId, Feed::new);
        }
        return feed.current(viewer);
    }

    /** Read the job again at the next look, whether or not its notification arrived yet (the caller just changed it). */
    public void stale(long jobId) {
        Feed feed;
        synchronized (feeds) {
            feed = feeds.get(jobId);
        }
        if (feed != null) {
            synchronized (feed) {
                feed.generation = -1;
            }
        }
    }

    static boolean queued(Snapshot snapshot) {
        return snapshot.job().state() == JobState.QUEUED;
    }

    private final class Feed {
        final long jobId;
        long generation = -1;
        long runnersGeneration = -1;
        Snapshot shown;
        final MetricSeries metrics = new MetricSeries();
        long lastLogId;
        final List<JobService.LogLine> logs = new ArrayList<>();

        Feed(long jobId) {
            this.jobId = jobId;
        }

        synchronized Snapshot current(Viewer viewer) {
            // read the generations first: a change that lands during the reads below makes the next call read again
            long now = live.generation(ChangeNotifications.job(jobId));
            // a queued job's pending reason follows from the live runners, which change without a write to the job
            long runnersNow = shown != null && queued(shown) ? live.generation(ChangeNotifications.RUNNERS) : -1;
            if (shown != null && now == generation && runnersNow == runnersGeneration) {
                return shown;
            }
            // one transaction for the whole reading: a consistent view of the job, and one commit instead of six
            shown = QuarkusTransaction.joiningExisting().call(() -> read(viewer));
            generation = now;
            runnersGeneration = queued(shown) ? live.generation(ChangeNotifications.RUNNERS) : -1;
            return shown;
        }

        private Snapshot read(Viewer viewer) {
            JobView job = jobs.get(viewer, jobId);
            List<JobService.LogLine> newLines = jobs.logs(viewer, jobId, lastLogId);
            for (JobService.LogLine l : newLines) {
                logs.add(l);
                lastLogId = Math.max(lastLogId, l.id());
            }
            while (logs.size() > LOG_TAIL) {
                logs.remove(0);
            }
            boolean stateChanged = shown == null || !job.state().equals(shown.job().state())
                    || job.attempt() != shown.job().attempt();
            long points = shown == null ? -1 : shown.points();
            var series = shown == null ? null : shown.series();
            var epochRows = shown == null ? null : shown.epochRows();
            if (job.state().active() || stateChanged) {
                long before = metrics.version();
                jobs.readNew(viewer, jobId, null, metrics);
                if (shown == null || metrics.version() != before) {
                    points = metrics.version();
                    series = metrics.downsampled(JobPage.MAX_POINTS);
                    epochRows = List.copyOf(jobs.epochRows(viewer, jobId));
                }
            }
            List<JobService.Event> events = stateChanged ? jobs.events(viewer, jobId) : shown.events();
            Integer checkpoint = stateChanged ? jobs.latestCheckpointEpoch(viewer, jobId) : shown.checkpoint();
            RunnerService.RunnerView runner = job.runnerId() == null ? null
                    : runners.all().stream().filter(r -> r.id() == job.runnerId()).findFirst().orElse(null);
            return new Snapshot(job, points, series, epochRows, events, checkpoint, runner, List.copyOf(logs));
        }
    }
}
