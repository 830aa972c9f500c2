package io.modelhub.runners.agent;

import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.RecipeDescriptor;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.contract.RunnerProtocol.Claim;
import io.modelhub.runners.RunnerCapabilities;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RecipeRegistry;
import io.modelhub.runners.recipes.RunResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The runner agent: {@code java -jar gpu-runners-runner.jar} with MODELHUB_URL and MODELHUB_RUNNER_CREDENTIAL (a
 * runner credential an admin issued). It registers its capabilities and recipes, long-polls the hub for a job, runs
 * it, and repeats. On SIGTERM it stops the recipe at its next step, gives the job back to the queue, and says it is
 * going offline. A credential the hub refuses (revoked, unknown) stops it with a message instead of retrying forever;
 * so does the end of the hub process that started it (MODELHUB_RUNNER_PARENT_PID, the embedded start's local runner).
 */
public final class RunnerAgent {
    /** Exit status when the hub refuses the credential: retrying cannot help, an admin must issue a new one. */
    static final int EXIT_CREDENTIAL_REFUSED = 3;
    /** Exit status when the hub process that started this runner is gone. */
    static final int EXIT_PARENT_GONE = 4;

    private final HubClient hub;
    private final String name;
    private final List<String> labels;
    private final Path workRoot;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile JobRun current;
    private volatile String refused;
    private volatile long runnerId;
    private int leaseSeconds = 30;
    /**
     * Input files fetched at once with a request each (MODELHUB_RUNNER_FETCH_PARALLEL); 0, the default, fetches each
     * input as one archive stream instead (issue 17: 10,000 small files, a few ms of hub work each as requests).
     */
    private final int fetchParallel = Integer.parseInt(env("MODELHUB_RUNNER_FETCH_PARALLEL", "0").trim());

    RunnerAgent(HubClient hub, String name, List<String> labels, Path workRoot) {
        this.hub = hub;
        this.name = name;
        this.labels = labels;
        this.workRoot = workRoot;
    }

    public static void main(String[] args) throws Exception {
        String url = env("MODELHUB_URL", "http://localhost:8080");
        String credential = env("MODELHUB_RUNNER_CREDENTIAL", "");
        if (!RunnerProtocol.CREDENTIAL_SHAPE.matcher(credential).matches()) {
            System.err.println(credential.isBlank()
                    ? "Set MODELHUB_RUNNER_CREDENTIAL to a runner credential (mhr_...): an admin creates one on the hub's "
                            + "Runners page or with POST /api/runner-credentials. Set MODELHUB_URL to the hub."
                    : "MODELHUB_RUNNER_CREDENTIAL is not a runner credential (mhr_ and 40 letters or digits); user tokens "
                            + "(hf_...) cannot register runners. An admin creates one on the hub's Runners page.");
            System.exit(2);
        }
        String name = env("MODELHUB_RUNNER_NAME", java.net.InetAddress.getLocalHost().getHostName());
        List<String> labels = Arrays.stream(env("MODELHUB_RUNNER_LABELS", "").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        Path work = Path.of(env("MODELHUB_RUNNER_WORK", System.getProperty("java.io.tmpdir") + "/modelhub-runner")).toAbsolutePath();
        RunnerAgent agent = new RunnerAgent(new HubClient(url, credential), name, labels, work);
        String parent = env("MODELHUB_RUNNER_PARENT_PID", "");
        if (!parent.isBlank()) {
            watchParent(Long.parseLong(parent.trim()));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(agent::shutdown, "runner-shutdown"));
        int status = agent.run();
        System.exit(status);
    }

    /** The local runner of an embedded hub lives no longer than that hub, even if the hub was killed. */
    private static void watchParent(long pid) {
        Thread watcher = new Thread(() -> {
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            System.err.println("The hub process " + pid + " that started this runner is gone; stopping.");
            System.exit(EXIT_PARENT_GONE);
        }, "runner-parent-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Runs until stopped; the process exit status (0, or {@link #EXIT_CREDENTIAL_REFUSED}). */
    int run() throws Exception {
        Files.createDirectories(workRoot);
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "runner-heartbeat");
            t.setDaemon(true);
            return t;
        });
        try {
            registerUntilAnswered();
            heartbeats.scheduleWithFixedDelay(this::idleHeartbeat, 0, 15, TimeUnit.SECONDS);
            startServing();
            while (!stopping.get()) {
                Optional<Claim> claim;
                try {
                    claim = hub.claim(runnerId, 20);
                } catch (HubClient.CredentialRefused e) {
                    throw e;
                } catch (IOException e) {
                    if (e instanceof HubClient.HubException h && h.status() == 404) {
                        registerUntilAnswered();
                    } else {
                        System.err.println("Hub not reachable (" + e.getMessage() + "); retrying in 5 s");
                        Thread.sleep(5000);
                    }
                    continue;
                }
                if (claim.isPresent()) {
                    runJob(claim.get(), heartbeats);
                }
            }
        } catch (HubClient.CredentialRefused e) {
            refused(e);
        } finally {
            heartbeats.shutdownNow();
            if (refused == null && runnerId > 0) {
                try {
                    hub.offline(runnerId);
                } catch (IOException | InterruptedException ignored) {
                    // the hub marks silent runners offline by itself
                }
            }
            stopped.countDown();
        }
        return refused == null ? 0 : EXIT_CREDENTIAL_REFUSED;
    }

    /** With MODELHUB_RUNNER_SERVE=1, the inference loop runs beside the job loop until the agent stops. */
    private void startServing() {
        if (!env(InferenceProtocol.SERVE_ENV, "").equals("1")) {
            return;
        }
        long budget = Long.parseLong(env("MODELHUB_RUNNER_SERVE_MEMORY_MB", "4096")) << 20;
        int workers = Integer.parseInt(env("MODELHUB_RUNNER_SERVE_WORKERS", "2"));
        int maxBatch = Integer.parseInt(env("MODELHUB_RUNNER_SERVE_MAX_BATCH", Integer.toString(InferenceServer.MAX_BATCH)));
        Thread serving = new Thread(new InferenceServer(hub, () -> runnerId, workRoot.resolve("cache"), budget, workers,
                maxBatch, stopping::get), "inference-server");
        serving.setDaemon(true);
        serving.start();
    }

    private void refused(HubClient.CredentialRefused e) {
        refused = e.getMessage();
        stopping.set(true);
        JobRun run = current;
        if (run != null) {
            run.lost.set(true);
        }
        System.err.println("The hub refused this runner's credential (" + e.getMessage() + "). It was revoked or never "
                + "issued for this runner: ask an admin for a new runner credential (Runners page). Stopping.");
    }

    /** A hub that is still starting (or restarting) is waited for; a refused credential is not. */
    private void registerUntilAnswered() throws IOException, InterruptedException {
        while (true) {
            try {
                register();
                return;
            } catch (HubClient.CredentialRefused e) {
                throw e;
            } catch (IOException e) {
                System.err.println("Could not register (" + e.getMessage() + "); retrying in 5 s");
                Thread.sleep(5000);
            }
        }
    }

    private void register() throws IOException, InterruptedException {
        RunnerCapabilities caps = RunnerCapabilities.probe(labels);
        List<RecipeDescriptor> recipes = RecipeRegistry.all().stream().map(Recipe::descriptor).toList();
        RunnerProtocol.Registered registered = hub.register(new RunnerProtocol.Registration(name, caps.labels(),
                caps.gpuCount(), caps.gpuMemoryMb(), caps.cpuCores(), caps.memoryBytes(), recipes));
        runnerId = registered.runnerId();
        leaseSeconds = registered.leaseSeconds();
        System.out.println("Registered as runner " + runnerId + " (" + caps + ", recipes "
                + recipes.stream().map(RecipeDescriptor::key).toList() + ")");
    }

    private void runJob(Claim claim, ScheduledExecutorService heartbeats) throws InterruptedException {
        long jobId = claim.jobId();
        HubClient.Lease lease = new HubClient.Lease(runnerId, jobId, claim.attempt());
        Path work = workRoot.resolve("job-" + jobId + "-" + claim.attempt());
        var beat = heartbeats.scheduleAtFixedRate(() -> heartbeat(lease),
                0, Math.max(1, Math.max(claim.leaseSeconds(), 3) / 3), TimeUnit.SECONDS);
        JobRun run = null;
        try {
            Recipe recipe = RecipeRegistry.find(claim.recipe())
                    .filter(r -> r.version().equals(claim.recipeVersion()))
                    .orElseThrow(() -> new IllegalStateException("This runner has no recipe " + claim.recipe() + " version "
                            + claim.recipeVersion()));
            run = new JobRun(hub, runnerId, claim, work, workRoot.resolve("cache"), fetchParallel);
            current = run;
            run.log("Running recipe " + recipe.id() + " " + recipe.version() + " with " + run.params());
            RunResult result = recipe.run(run);
            if (run.lost.get()) {
                System.err.println("Job " + jobId + ": lease lost; another runner takes over");
            } else if (stopping.get() && !result.completed()) {
                run.release();
            } else if (run.cancelled.get() && !result.completed()) {
                run.fail("Cancelled by the user", true);
            } else {
                run.complete(result);
            }
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            if (e instanceof HubClient.CredentialRefused refusedNow) {
                refused(refusedNow);
                return;
            }
            e.printStackTrace();
            try {
                if (run != null && stopping.get()) {
                    run.release();
                } else if (run == null || !run.lost.get()) {
                    hub.fail(lease, new RunnerProtocol.Failure(e.getClass().getSimpleName() + ": " + e.getMessage(), false));
                }
            } catch (IOException | InterruptedException reportFailed) {
                System.err.println("Could not report the failure of job " + jobId + ": " + reportFailed.getMessage());
            }
        } finally {
            beat.cancel(false);
            current = null;
            deleteQuietly(work);
        }
    }

    private void heartbeat(HubClient.Lease lease) {
        JobRun run = current;
        try {
            if (run != null) {
                run.flush();
            }
            RunnerProtocol.HeartbeatAnswer answer = hub.heartbeat(runnerId,
                    new RunnerProtocol.Heartbeat(lease.jobId(), lease.attempt(), SystemMetrics.sample()));
            if (run != null && answer != null) {
                if (answer.cancel()) {
                    run.cancelled.set(true);
                }
                if (answer.lost()) {
                    run.lost.set(true);
                }
            }
        } catch (HubClient.CredentialRefused e) {
            refused(e);
        } catch (IOException e) {
            System.err.println("Heartbeat failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Between jobs: system metrics only, so the runners page shows an idle node's load too. */
    private void idleHeartbeat() {
        if (current != null) {
            return;
        }
        try {
            hub.heartbeat(runnerId, new RunnerProtocol.Heartbeat(null, null, SystemMetrics.sample()));
        } catch (HubClient.CredentialRefused e) {
            refused(e);
        } catch (IOException e) {
            System.err.println("Heartbeat failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM: the running recipe stops at its next step; the main loop gives the job back and exits. */
    void shutdown() {
        stopping.set(true);
        hub.stopRetrying();
        JobRun run = current;
        if (run != null) {
            run.cancelled.set(true);
        }
        try {
            stopped.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // scratch space; the next start cleans up nothing it does not own
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
