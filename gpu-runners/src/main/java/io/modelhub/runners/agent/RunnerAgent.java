package io.modelhub.runners.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.runners.RunnerCapabilities;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RecipeRegistry;
import io.modelhub.runners.recipes.RunResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The runner agent: {@code java -jar gpu-runners.jar} with MODELHUB_URL and MODELHUB_TOKEN (or HF_TOKEN).
 * It registers its capabilities and recipes, long-polls the hub for a job, runs it, and repeats. On SIGTERM
 * it stops the recipe at its next step, gives the job back to the queue, and says it is going offline.
 */
public final class RunnerAgent {
    private final HubClient hub;
    private final String name;
    private final List<String> labels;
    private final Path workRoot;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile JobRun current;
    private long runnerId;

    RunnerAgent(HubClient hub, String name, List<String> labels, Path workRoot) {
        this.hub = hub;
        this.name = name;
        this.labels = labels;
        this.workRoot = workRoot;
    }

    public static void main(String[] args) throws Exception {
        String url = env("MODELHUB_URL", "http://localhost:8080");
        String token = System.getenv("MODELHUB_TOKEN") != null ? System.getenv("MODELHUB_TOKEN") : System.getenv("HF_TOKEN");
        if (token == null || token.isBlank()) {
            System.err.println("Set MODELHUB_TOKEN (an hf_... token with write access) and MODELHUB_URL.");
            System.exit(2);
        }
        String name = env("MODELHUB_RUNNER_NAME", java.net.InetAddress.getLocalHost().getHostName());
        List<String> labels = Arrays.stream(env("MODELHUB_RUNNER_LABELS", "").split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        Path work = Path.of(env("MODELHUB_RUNNER_WORK", System.getProperty("java.io.tmpdir") + "/modelhub-runner")).toAbsolutePath();
        RunnerAgent agent = new RunnerAgent(new HubClient(url, token), name, labels, work);
        Runtime.getRuntime().addShutdownHook(new Thread(agent::shutdown, "runner-shutdown"));
        agent.run();
    }

    void run() throws Exception {
        Files.createDirectories(workRoot);
        register();
        ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "runner-heartbeat");
            t.setDaemon(true);
            return t;
        });
        try {
            while (!stopping.get()) {
                JsonNode claim;
                try {
                    claim = hub.post("/api/runners/" + runnerId + "/claim?wait=20", null, Duration.ofSeconds(40));
                } catch (IOException e) {
                    if (e instanceof HubClient.HubException h && h.status() == 404) {
                        register();
                    } else {
                        System.err.println("Hub not reachable (" + e.getMessage() + "); retrying in 5 s");
                        Thread.sleep(5000);
                    }
                    continue;
                }
                if (claim != null) {
                    runJob(claim, heartbeats);
                }
            }
        } finally {
            heartbeats.shutdownNow();
            try {
                hub.post("/api/runners/" + runnerId + "/offline", null, Duration.ofSeconds(10));
            } catch (IOException | InterruptedException ignored) {
                // the hub marks silent runners offline by itself
            }
            stopped.countDown();
        }
    }

    private void register() throws IOException, InterruptedException {
        RunnerCapabilities caps = RunnerCapabilities.probe(labels);
        List<Map<String, Object>> recipes = new ArrayList<>();
        for (Recipe r : RecipeRegistry.all()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.id());
            m.put("version", r.version());
            m.put("modality", r.modality());
            m.put("task", r.task());
            m.put("needsBaseModel", r.needsBaseModel());
            m.put("producesModel", r.producesModel());
            m.put("parameters", r.parameters());
            recipes.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("labels", caps.labels());
        body.put("gpuCount", caps.gpuCount());
        body.put("gpuMemoryMb", caps.gpuMemoryMb());
        body.put("cpuCores", caps.cpuCores());
        body.put("memoryBytes", caps.memoryBytes());
        body.put("recipes", recipes);
        runnerId = hub.post("/api/runners", body, Duration.ofSeconds(30)).path("id").asLong();
        System.out.println("Registered as runner " + runnerId + " (" + caps + ", recipes " + recipes.stream().map(m -> m.get("id")).toList() + ")");
    }

    private void runJob(JsonNode claim, ScheduledExecutorService heartbeats) throws InterruptedException {
        long jobId = claim.path("jobId").asLong();
        Path work = workRoot.resolve("job-" + jobId + "-" + claim.path("attempt").asInt());
        var beat = heartbeats.scheduleAtFixedRate(() -> heartbeat(jobId),
                0, Math.max(1, claim.path("leaseSeconds").asInt(30) / 3), TimeUnit.SECONDS);
        JobRun run = null;
        try {
            Recipe recipe = RecipeRegistry.find(claim.path("recipe").asText())
                    .orElseThrow(() -> new IllegalStateException("This runner has no recipe " + claim.path("recipe").asText()));
            run = new JobRun(hub, runnerId, claim, work, workRoot.resolve("cache"));
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
            e.printStackTrace();
            try {
                if (run != null && stopping.get()) {
                    run.release();
                } else if (run == null || !run.lost.get()) {
                    new JobRun.Failure(hub, runnerId, jobId).report(e);
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

    private void heartbeat(long jobId) {
        JobRun run = current;
        try {
            if (run != null) {
                run.flush();
            }
            JsonNode answer = hub.post("/api/runners/" + runnerId + "/heartbeat",
                    Map.of("jobId", jobId, "utilisation", utilisation()), Duration.ofSeconds(20));
            if (run != null && answer != null) {
                if (answer.path("cancel").asBoolean()) {
                    run.cancelled.set(true);
                }
                if (answer.path("lost").asBoolean()) {
                    run.lost.set(true);
                }
            }
        } catch (IOException e) {
            System.err.println("Heartbeat failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Map<String, Object> utilisation() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            m.put("cpu", Math.max(0, os.getCpuLoad()));
            m.put("memoryUsedBytes", os.getTotalMemorySize() - os.getFreeMemorySize());
        }
        return m;
    }

    /** SIGTERM: the running recipe stops at its next step; the main loop gives the job back and exits. */
    void shutdown() {
        stopping.set(true);
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
