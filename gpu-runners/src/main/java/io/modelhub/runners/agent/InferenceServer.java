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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The serving loop of a runner started with {@code MODELHUB_RUNNER_SERVE=1}, beside the job loop: it long-polls the
 * hub for inference requests, hands each to a worker, and posts the answer. Models come from the hub at the pinned
 * commit (the same download cache as jobs) and stay loaded in a {@link ModelCache}.
 * <p>
 * Serving and training share the machine: serving has its own {@link #workers} threads and memory budget, and a
 * model runs one request at a time, so a job keeps its threads and a burst of requests cannot take more than those.
 * The loop keeps polling while its workers are busy (with capacity 0), so the hub knows the runner is alive.
 */
final class InferenceServer implements Runnable {
    private final HubClient hub;
    private final LongSupplier runnerId;
    private final Path cacheRoot;
    private final ModelCache models;
    private final int workers;
    private final BooleanSupplier stopping;
    private final Semaphore slots;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final ExecutorService pool;

    InferenceServer(HubClient hub, LongSupplier runnerId, Path cacheRoot, long budgetBytes, int workers,
                    BooleanSupplier stopping) {
        this.hub = hub;
        this.runnerId = runnerId;
        this.cacheRoot = cacheRoot;
        this.models = new ModelCache(budgetBytes);
        this.workers = workers;
        this.stopping = stopping;
        this.slots = new Semaphore(workers);
        this.pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "inference-worker");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void run() {
        System.out.println("Serving inference (" + workers + " workers)");
        try {
            while (!stopping.getAsBoolean()) {
                int capacity = slots.availablePermits();
                List<Work> work;
                try {
                    InferenceProtocol.Poll poll = new InferenceProtocol.Poll(models.loaded(), models.freeBytes(),
                            List.copyOf(inFlight), capacity);
                    // when full, a short poll only says "alive" and comes back soon for the next free worker
                    work = hub.inferenceNext(runnerId.getAsLong(), poll, capacity == 0 ? 2 : InferenceProtocol.POLL_SECONDS);
                } catch (HubClient.CredentialRefused e) {
                    System.err.println("Serving stops: " + e.getMessage());
                    return;
                } catch (IOException e) {
                    System.err.println("Inference poll failed (" + e.getMessage() + "); retrying in 5 s");
                    Thread.sleep(5000);
                    continue;
                }
                for (Work w : work) {
                    slots.acquire();
                    inFlight.add(w.id());
                    pool.execute(() -> serve(w));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pool.shutdownNow();
            models.close();
        }
    }

    private void serve(Work work) {
        long started = System.nanoTime();
        Result result;
        LoadedModel key = new LoadedModel(work.repo(), work.revision());
        try {
            ServedModel model = models.acquire(key, ModelCache.estimate(sizes(work)), () -> load(work));
            try {
                synchronized (model) {
                    result = Result.ok(model.run(work));
                }
            } finally {
                models.release(key);
            }
        } catch (BadInput e) {
            result = Result.error(400, e.getMessage());
        } catch (ModelCache.TooLarge e) {
            result = Result.error(413, e.getMessage());
        } catch (InvalidModelException e) {
            result = Result.error(400, work.repo() + " cannot be served: " + e.getMessage());
        } catch (Exception e) {
            e.printStackTrace();
            result = Result.error(500, "The runner failed on " + work.repo() + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
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
        System.out.printf("Inference %s on %s: %d in %d ms%n", work.id(), work.repo(), result.status(),
                (System.nanoTime() - started) / 1_000_000);
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
