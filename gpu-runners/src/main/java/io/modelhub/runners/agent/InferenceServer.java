package io.modelhub.runners.agent;

import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.LoadedModel;
import io.modelhub.contract.InferenceProtocol.Result;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.serving.BadInput;
import io.modelhub.runners.serving.ModelCache;
import io.modelhub.runners.serving.ServedModel;
import io.modelhub.runners.serving.ServedModels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The serving loop of a runner started with {@code MODELHUB_RUNNER_SERVE=1}, beside the job loop: it long-polls the
 * hub for inference requests, hands each to a worker, and posts the answer. Models come from the hub at the pinned
 * commit (the same download cache as jobs) and stay loaded in a {@link ModelCache}.
 * <p>
 * Concurrent requests for one model are batched: a worker drains that model's queue, taking up to
 * {@link #maxBatch} requests (after a {@link #BATCH_WINDOW_MS} ms window when other requests are held), and runs
 * them as one forward pass.
 * Serving and training share the machine: serving has its own {@link #workers} threads and memory budget, and a
 * model is served by one worker at a time, so a job keeps its threads and a burst of requests cannot take more.
 * The loop keeps polling while its workers are busy (with capacity 0), so the hub knows the runner is alive.
 */
final class InferenceServer implements Runnable {
    /** Requests of one model computed in one pass at most, unless MODELHUB_RUNNER_SERVE_MAX_BATCH says otherwise. */
    static final int MAX_BATCH = 8;
    /** How long a batch that is not full waits for more requests of its model (not a lone request: see drain). */
    static final long BATCH_WINDOW_MS = 5;
    /** How long a full runner waits for a free slot between polls (well within the hub's 10 s of silence). */
    static final long FULL_WAIT_MS = 2000;

    private final HubClient hub;
    private final LongSupplier runnerId;
    private final Path cacheRoot;
    private final ModelCache models;
    private final int workers;
    private final int maxBatch;
    private final BooleanSupplier stopping;
    private final Semaphore slots;
    /** The requests this runner holds, with when their poll brought them (System.nanoTime), for the log's timings. */
    private final Map<String, Long> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService pool;
    /** Posts the answers of a batch but its last (which its worker posts itself) side by side. */
    private final ExecutorService posters;
    /** Requests waiting per model, and the models a worker is draining now (one worker per model at a time). */
    private final Map<LoadedModel, ArrayDeque<Work>> queues = new HashMap<>();
    private final Set<LoadedModel> draining = new HashSet<>();

    InferenceServer(HubClient hub, LongSupplier runnerId, Path cacheRoot, long budgetBytes, int workers, int maxBatch,
                    BooleanSupplier stopping) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("MODELHUB_RUNNER_SERVE_MAX_BATCH must be at least 1, not " + maxBatch);
        }
        this.maxBatch = maxBatch;
        this.hub = hub;
        this.runnerId = runnerId;
        this.cacheRoot = cacheRoot;
        this.models = new ModelCache(budgetBytes);
        this.workers = workers;
        this.stopping = stopping;
        // more requests in flight than workers, so that concurrent requests for one model can meet in a batch
        this.slots = new Semaphore(workers * maxBatch);
        this.pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "inference-worker");
            t.setDaemon(true);
            return t;
        });
        this.posters = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "inference-answers");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void run() {
        System.out.println("Serving inference (" + workers + " workers, batches of up to " + maxBatch + " requests)");
        try {
            while (!stopping.getAsBoolean()) {
                int capacity = slots.availablePermits();
                if (capacity == 0 && slots.tryAcquire(FULL_WAIT_MS, TimeUnit.MILLISECONDS)) {
                    // full: wait here for a slot rather than in a poll, which the hub would hold for its whole wait
                    // (with capacity 0 it has nothing to hand out) while answered requests freed the slots
                    slots.release();
                    capacity = slots.availablePermits();
                }
                List<Work> work;
                try {
                    InferenceProtocol.Poll poll = new InferenceProtocol.Poll(models.loaded(), models.freeBytes(),
                            List.copyOf(inFlight.keySet()), capacity, models.budgetBytes());
                    // still full after the wait: a poll that returns at once only says "alive" (and lists what it holds)
                    work = hub.inferenceNext(runnerId.getAsLong(), poll, capacity == 0 ? 0 : InferenceProtocol.POLL_SECONDS);
                } catch (HubClient.CredentialRefused e) {
                    System.err.println("Serving stops: " + e.getMessage());
                    return;
                } catch (IOException e) {
                    System.err.println("Inference poll failed (" + e.getMessage() + "); retrying in 5 s");
                    Thread.sleep(5000);
                    continue;
                }
                long received = System.nanoTime();
                for (Work w : work) {
                    slots.acquire();
                    inFlight.put(w.id(), received);
                    enqueue(w);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pool.shutdownNow();
            posters.shutdownNow();
            models.close();
        }
    }

    /** Queues a request behind the others for its model; the first one starts that model's drain on a worker. */
    private void enqueue(Work work) {
        LoadedModel key = new LoadedModel(work.repo(), work.revision());
        synchronized (queues) {
            queues.computeIfAbsent(key, k -> new ArrayDeque<>()).add(work);
            if (draining.add(key)) {
                pool.execute(() -> drain(key));
            }
        }
    }

    /**
     * Serves a model's queue in batches until it is empty: a batch takes what is queued, waits the batching window
     * once for more if it is not full, and runs as one forward pass where the model supports it.
     */
    private void drain(LoadedModel key) {
        boolean waited = false;
        while (true) {
            List<Work> batch = take(key);
            // a lone request (the runner holds nothing else) does not wait: the window would only add its 5 ms to
            // every sequential caller's latency; under load, requests that arrive while a batch computes queue up
            // and form the next batch anyway
            boolean othersHeld = inFlight.size() > batch.size();
            if (batch.size() < maxBatch && !waited && othersHeld) {
                try {
                    Thread.sleep(BATCH_WINDOW_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                waited = true;
                List<Work> more = takeUpTo(key, maxBatch - batch.size());
                batch.addAll(more);
            }
            if (batch.isEmpty()) {
                synchronized (queues) {
                    if (queues.getOrDefault(key, new ArrayDeque<>()).isEmpty()) {
                        queues.remove(key);
                        draining.remove(key);
                        return;
                    }
                }
                continue;
            }
            try {
                serve(key, batch);
            } catch (RuntimeException e) {
                // the drain must go on: its model's other requests would otherwise wait until their callers give up
                e.printStackTrace();
            }
            waited = false;
        }
    }

    private List<Work> take(LoadedModel key) {
        return takeUpTo(key, maxBatch);
    }

    private List<Work> takeUpTo(LoadedModel key, int n) {
        List<Work> batch = new ArrayList<>();
        synchronized (queues) {
            ArrayDeque<Work> queue = queues.get(key);
            while (queue != null && !queue.isEmpty() && batch.size() < n) {
                batch.add(queue.poll());
            }
        }
        return batch;
    }

    private void serve(LoadedModel key, List<Work> batch) {
        long started = System.nanoTime();
        long queued = (started - inFlight.getOrDefault(batch.get(0).id(), started)) / 1_000_000;
        List<Result> results = new ArrayList<>();
        try {
            ServedModel model = models.acquire(key, ModelCache.estimate(sizes(batch.get(0))), () -> load(batch.get(0)));
            try {
                for (ServedModel.Answer answer : model.runBatch(batch)) {
                    results.add(answer.error() == null ? Result.ok(answer.output()) : failure(batch.get(0), answer.error()));
                }
            } finally {
                models.release(key);
            }
        } catch (Exception e) {
            Result failed = failure(batch.get(0), e);
            while (results.size() < batch.size()) {
                results.add(failed);
            }
        }
        long computed = System.nanoTime();
        long millis = (computed - started) / 1_000_000;
        // a batch's answers go back side by side: one after the other, the last caller of a batch of 8 would wait
        // for 7 other round trips to the hub
        List<CompletableFuture<Void>> posted = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Work work = batch.get(i);
            Result result = results.get(i);
            Runnable post = () -> post(work, result);
            posted.add(i == batch.size() - 1 ? CompletableFuture.runAsync(post, Runnable::run)
                    : CompletableFuture.runAsync(post, posters));
        }
        CompletableFuture.allOf(posted.toArray(CompletableFuture[]::new)).join();
        // the split of a request's time on the runner, for the benchmark (bench/InferenceBenchmark reads these lines)
        System.out.printf("Inference on %s: %d request(s) in %d ms (waited %d ms since the poll, answers posted in %d ms)%n",
                key.repo(), batch.size(), millis, queued, (System.nanoTime() - computed) / 1_000_000);
    }

    private void post(Work work, Result result) {
        try {
            hub.inferenceResult(runnerId.getAsLong(), work.id(), result);
        } catch (IOException e) {
            System.err.println("Inference result for " + work.id() + " not delivered: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.remove(work.id());
            slots.release();
        }
    }

    private static Result failure(Work work, Exception e) {
        if (e instanceof BadInput) {
            return Result.error(400, e.getMessage());
        }
        if (e instanceof ModelCache.TooLarge) {
            return Result.error(413, e.getMessage());
        }
        if (e instanceof InvalidModelException) {
            return Result.error(400, work.repo() + " cannot be served: " + e.getMessage());
        }
        e.printStackTrace();
        return Result.error(500, "The runner failed on " + work.repo() + ": " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }

    private ServedModel load(Work work) throws Exception {
        long started = System.nanoTime();
        RunnerProtocol.InputListing listing = new RunnerProtocol.InputListing("model", work.repo(), work.revision(), work.files());
        Path dir = RepoDownloads.fetch((path, target) -> hub.downloadInferenceFile(runnerId.getAsLong(), work.id(), path, target),
                listing, "model", cacheRoot);
        ServedModel model = ServedModels.load(dir);
        System.out.printf("Loaded %s@%s for %s in %d ms%n", work.repo(), work.revision().substring(0, 8), model.task(),
                (System.nanoTime() - started) / 1_000_000);
        return model;
    }

    private static Map<String, Long> sizes(Work work) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        work.files().forEach(f -> sizes.put(f.path(), f.size()));
        return sizes;
    }
}
