package io.modelhub.inference;

import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.Poll;
import io.modelhub.contract.InferenceProtocol.Result;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.platform.ApiException;
import io.modelhub.runners.RunnerRetired;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Where inference requests wait for a serving runner: in this hub process's memory (a request lives as long as its
 * caller's HTTP call, so nothing is lost that a caller still waits for). Requests of callers on an instance without a
 * live serving runner come here through {@link InferenceRelay} from the instance they reached, and are routed alike.
 * <p>
 * Routing: a request goes to a runner that has its model loaded; a runner without it takes it only when no live
 * runner has it loaded, or once it has waited {@link #PREFER_LOADED_MS}. A runner is live while it has a poll open or
 * polled within {@link #SILENCE_MS}. A request whose runner stops being live, or that the runner's next poll no
 * longer lists, is handed out once more (to another runner when there is one); a second loss ends it with 503.
 */
@ApplicationScoped
public class InferenceRouter {
    /** How long after its last poll a runner counts as live: a runner between polls is posting results. */
    static final long SILENCE_MS = 10_000;
    /** How long a request waits for a runner that has its model loaded before any runner may take it. */
    static final long PREFER_LOADED_MS = 500;
    /** A request is tried on at most this many runners. */
    static final int MAX_ATTEMPTS = 2;

    /** Why a request got no answer in time: the caller's 503 says it. */
    public enum Stall {
        NO_RUNNER, LOADING, BUSY
    }

    /** A caller's request while it waits. */
    public static final class Ticket {
        private final Work work;
        private final String model;
        private final long queuedAt;
        private int attempts;
        private Long runner;
        private Long lostBy;
        /** Why each earlier runner lost it, for the 503 of the last loss. */
        private final List<String> losses = new ArrayList<>();
        private Result result;

        private Ticket(Work work, long now) {
            this.work = work;
            this.model = work.repo() + "@" + work.revision();
            this.queuedAt = now;
        }

        public Work work() {
            return work;
        }
    }

    /** The answer, or why there is none: {@link #stall} is set when the wait ended first. */
    public record Outcome(Result result, Stall stall, String runnerName) {
    }

    private static final class ServingRunner {
        final long id;
        String name;
        Set<String> loaded = Set.of();
        long freeBytes;
        long budgetBytes;
        int openPolls;
        long lastSeen;

        ServingRunner(long id) {
            this.id = id;
        }
    }

    private final Object lock = new Object();
    private final Map<String, Ticket> tickets = new LinkedHashMap<>();
    private final Map<Long, ServingRunner> runners = new HashMap<>();
    private final LongSupplier clock;
    private boolean closing;

    public InferenceRouter() {
        this(System::currentTimeMillis);
    }

    InferenceRouter(LongSupplier clock) {
        this.clock = clock;
    }

    /** Whether any runner serves now; without one a request is refused at once rather than queued. */
    public boolean anyServing() {
        synchronized (lock) {
            long now = clock.getAsLong();
            return runners.values().stream().anyMatch(r -> live(r, now));
        }
    }

    /** Whether this runner is live here now: its poll is not its first (or first after a silence). */
    public boolean live(long runnerId) {
        synchronized (lock) {
            ServingRunner r = runners.get(runnerId);
            return r != null && live(r, clock.getAsLong());
        }
    }

    /** Whether a live runner here has {@code model} ({@code repo@commit}) loaded, or is loading it. */
    public boolean hasLoaded(String model) {
        synchronized (lock) {
            long now = clock.getAsLong();
            return runners.values().stream().anyMatch(r -> live(r, now) && r.loaded.contains(model));
        }
    }

    public Ticket submit(Work work) {
        synchronized (lock) {
            Ticket ticket = new Ticket(work, clock.getAsLong());
            tickets.put(work.id(), ticket);
            lock.notifyAll();
            return ticket;
        }
    }

    /** Waits up to {@code waitMs} for the answer; on time-out the request is withdrawn and the outcome says why. */
    public Outcome await(Ticket ticket, long waitMs) throws InterruptedException {
        long deadline = clock.getAsLong() + waitMs;
        synchronized (lock) {
            while (true) {
                reap();
                if (ticket.result != null) {
                    return new Outcome(ticket.result, null, null);
                }
                if (closing) {
                    tickets.remove(ticket.work.id());
                    return new Outcome(Result.error(503, "The hub is shutting down; try again"), null, null);
                }
                long left = deadline - clock.getAsLong();
                if (left <= 0) {
                    tickets.remove(ticket.work.id());
                    long now = clock.getAsLong();
                    if (runners.values().stream().noneMatch(r -> live(r, now))) {
                        return new Outcome(null, Stall.NO_RUNNER, null);
                    }
                    ServingRunner holder = ticket.runner == null ? null : runners.get(ticket.runner);
                    return holder != null ? new Outcome(null, Stall.LOADING, holder.name) : new Outcome(null, Stall.BUSY, null);
                }
                // woken by results and polls; the 1 s cap lets a silent runner's requests be reclaimed meanwhile
                lock.wait(Math.min(left, 1000));
            }
        }
    }

    /**
     * A runner's long poll: up to {@code poll.capacity()} requests, waiting at most {@code waitMs} for one. Requests
     * it held but no longer lists are handed out again.
     */
    public List<Work> poll(long runnerId, String runnerName, Poll poll, long waitMs) throws InterruptedException {
        synchronized (lock) {
            ServingRunner runner = runners.computeIfAbsent(runnerId, ServingRunner::new);
            runner.name = runnerName;
            runner.loaded = new HashSet<>(poll.loaded().stream().map(m -> m.repo() + "@" + m.revision()).toList());
            runner.freeBytes = poll.freeBytes();
            runner.budgetBytes = poll.budgetBytes();
            runner.lastSeen = clock.getAsLong();
            Set<String> inFlight = new HashSet<>(poll.inFlight());
            for (Ticket t : List.copyOf(tickets.values())) {
                if (t.result == null && Long.valueOf(runnerId).equals(t.runner)) {
                    if (!inFlight.contains(t.work.id())) {
                        lost(t, "runner " + runnerName + " dropped it");
                    } else {
                        // a model it is loading or computing for counts as loaded: the runner polls again as soon as it
                        // takes a request, before the model is loaded, and that poll may stay open for 20 s
                        runner.loaded.add(t.model);
                    }
                }
            }
            runner.openPolls++;
            try {
                long deadline = clock.getAsLong() + waitMs;
                while (true) {
                    reap();
                    // a runner taken offline (re-registered, credential revoked) while this poll waited takes nothing
                    List<Work> picked = runners.get(runnerId) == runner ? pick(runner, Math.max(0, poll.capacity())) : List.of();
                    long left = deadline - clock.getAsLong();
                    if (!picked.isEmpty() || left <= 0 || closing) {
                        return picked;
                    }
                    lock.wait(Math.min(left, PREFER_LOADED_MS));
                }
            } finally {
                runner.openPolls--;
                runner.lastSeen = clock.getAsLong();
                lock.notifyAll();
            }
        }
    }

    /** The request if this runner holds it now (it may fetch the model's files), else null. */
    public Work held(long runnerId, String requestId) {
        synchronized (lock) {
            Ticket t = tickets.get(requestId);
            return t != null && t.result == null && Long.valueOf(runnerId).equals(t.runner) ? t.work : null;
        }
    }

    /** A runner's answer; false when it no longer holds the request (the caller gave up, or it went elsewhere). */
    public boolean complete(long runnerId, String requestId, Result result) {
        synchronized (lock) {
            Ticket t = tickets.get(requestId);
            if (t == null || t.result != null || !Long.valueOf(runnerId).equals(t.runner)) {
                return false;
            }
            t.result = result;
            tickets.remove(requestId);
            runners.computeIfAbsent(runnerId, ServingRunner::new).lastSeen = clock.getAsLong();
            lock.notifyAll();
            return true;
        }
    }

    /** Open long polls and waits end at once, so that a stopping hub does not wait out their time-outs. */
    void shutdown(@Observes ShutdownEvent event) {
        synchronized (lock) {
            closing = true;
            lock.notifyAll();
        }
    }

    /** A runner that restarted (registered again) or lost its credential holds nothing any more. */
    void onRunnerRetired(@Observes RunnerRetired event) {
        offline(event.runnerId());
    }

    /** A runner that stopped serves no more; what it held goes elsewhere. */
    public void offline(long runnerId) {
        synchronized (lock) {
            runners.remove(runnerId);
            reap();
            lock.notifyAll();
        }
    }

    private List<Work> pick(ServingRunner runner, int capacity) {
        long now = clock.getAsLong();
        List<Work> picked = new ArrayList<>();
        for (Ticket t : tickets.values()) {
            if (picked.size() >= capacity) {
                break;
            }
            if (t.result != null || t.runner != null) {
                continue;
            }
            boolean loadedHere = runner.loaded.contains(t.model);
            boolean loadedElsewhere = runners.values().stream()
                    .anyMatch(r -> r != runner && live(r, now) && r.loaded.contains(t.model));
            boolean othersLive = runners.values().stream().anyMatch(r -> r != runner && live(r, now));
            boolean avoid = Long.valueOf(runner.id).equals(t.lostBy) && othersLive;
            if (avoid || !loadedHere && loadedElsewhere && now - t.queuedAt < PREFER_LOADED_MS) {
                continue;
            }
            t.runner = runner.id;
            t.attempts++;
            picked.add(t.work);
            runner.loaded.add(t.model);
        }
        return picked;
    }

    /** Requests held by runners that are no longer live go back to the queue (or fail after the second loss). */
    private void reap() {
        long now = clock.getAsLong();
        for (Ticket t : List.copyOf(tickets.values())) {
            if (t.result != null || t.runner == null) {
                continue;
            }
            ServingRunner holder = runners.get(t.runner);
            if (holder == null || !live(holder, now)) {
                lost(t, "runner " + (holder == null ? t.runner : holder.name) + " stopped answering");
            }
        }
        runners.values().removeIf(r -> !live(r, now) && tickets.values().stream().noneMatch(t -> Long.valueOf(r.id).equals(t.runner)));
    }

    private void lost(Ticket t, String why) {
        t.lostBy = t.runner;
        t.runner = null;
        t.losses.add(why);
        if (t.attempts >= MAX_ATTEMPTS) {
            t.result = Result.error(503, "No runner answered: the request was lost twice (" + String.join(", then ", t.losses)
                    + " while holding it); try again");
            tickets.remove(t.work.id());
        }
        lock.notifyAll();
    }

    private static boolean live(ServingRunner r, long now) {
        return r.openPolls > 0 || now - r.lastSeen < SILENCE_MS;
    }

    /**
     * 413 now, rather than after a wait and a runner's refusal, when every live runner has said its serving budget and
     * the model's {@link InferenceProtocol#servingBytes estimated size} exceeds them all. A runner that says no budget
     * (0) may take anything.
     */
    public void refuseIfNoRunnerFits(Work work) {
        Map<String, Long> sizes = new HashMap<>();
        work.files().forEach(f -> sizes.put(f.path(), f.size()));
        long needed = InferenceProtocol.servingBytes(sizes);
        synchronized (lock) {
            long now = clock.getAsLong();
            ServingRunner largest = null;
            for (ServingRunner r : runners.values()) {
                if (!live(r, now)) {
                    continue;
                }
                if (r.budgetBytes <= 0 || r.budgetBytes >= needed) {
                    return;
                }
                if (largest == null || r.budgetBytes > largest.budgetBytes) {
                    largest = r;
                }
            }
            if (largest != null) {
                throw ApiException.tooLarge(work.repo() + " needs about " + mb(needed) + " of memory to serve "
                        + "(its files at " + work.revision().substring(0, 8) + "); the largest serving runner, "
                        + largest.name + ", serves models up to " + mb(largest.budgetBytes) + ". Start a runner with "
                        + "a larger MODELHUB_RUNNER_SERVE_MEMORY_MB (see docs/inference.md)");
            }
        }
    }

    private static String mb(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / (double) (1 << 20));
    }

    /** For tests: which runner (by name) holds each held request, by request id. */
    Map<String, String> holders() {
        synchronized (lock) {
            Map<String, String> out = new HashMap<>();
            for (Ticket t : tickets.values()) {
                ServingRunner r = t.runner == null ? null : runners.get(t.runner);
                if (r != null) {
                    out.put(t.work.id(), r.name);
                }
            }
            return out;
        }
    }

    /** For tests: whether the runner of this name has a poll open now (it takes a request the moment one comes). */
    boolean polling(String runnerName) {
        synchronized (lock) {
            return runners.values().stream().anyMatch(r -> runnerName.equals(r.name) && r.openPolls > 0);
        }
    }

    /** For tests: the number of requests waiting or held. */
    int pending() {
        synchronized (lock) {
            return tickets.size();
        }
    }
}
