package io.modelhub.bench;

import io.modelhub.storage.imports.OnnxBertImport;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.InferenceModels;
import io.modelhub.testing.RealModelsProfile;
import io.modelhub.testing.RunnerProcess;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inference end to end through the hub and one real serving runner process (issue 15's benchmark): the real
 * all-MiniLM-L6-v2 (feature-extraction) and a modelhub-cnn of the demo image classifier's size. Cold load (runner
 * start to first answer, split by the runner's log), warm sequential latency, and throughput of 16 concurrent
 * clients with batching (the default, 8) and without (a second runner with MODELHUB_RUNNER_SERVE_MAX_BATCH=1).
 * Each request's time is split into the hub's own work (total minus X-Compute-Time-Ms), the hand-over to the
 * runner and back, and the runner's compute (its "Inference on" log line).
 */
@QuarkusTest
@TestProfile(RealModelsProfile.class)
class InferenceBenchmark {
    static final String MINILM = "admin/bench-minilm";
    static final String CNN = "admin/bench-shapes-cnn";
    static final String TEXT = "A man is playing a guitar on a small stage.";
    static final int SEQUENTIAL = 60;
    static final int CLIENTS = 16;
    static final long THROUGHPUT_SECONDS = 15;

    @TestHTTPResource("/")
    URL base;
    @TempDir
    static Path tmp;

    private final HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(CLIENTS + 4)).build();
    private byte[] image;

    @Test
    void latencyAndThroughput() throws Exception {
        Path minilm = tmp.resolve("minilm");
        OnnxBertImport.fromClasspath(minilm);
        HubApi.model("bench-minilm").folder(minilm).create();
        InferenceModels.shapesSizedCnn("bench-shapes-cnn").create();
        image = noiseImage(32);
        BenchmarkReport.line("inference: load average before: %s", uptime());

        // batching (the default): cold, warm, throughput
        long t0 = System.nanoTime();
        RunnerProcess runner = start("bench-batching", Map.of());
        try {
            runner.awaitRegistration();
            double registered = ms(t0);
            long serving = System.nanoTime();
            Call first = call(MINILM, true);
            double polling = ms(serving) - first.totalMs;
            BenchmarkReport.line("inference cold: runner process start to registered %.0f ms, to its serving loop's first "
                            + "poll ~%.0f ms; first MiniLM request %.0f ms (hub waited %d ms; runner load %s ms); runner start to "
                            + "first answer %.0f ms", registered, registered + polling, first.totalMs, first.computeMs,
                    loadMs(runner, MINILM), ms(t0));
            Call cnnFirst = call(CNN, false);
            BenchmarkReport.line("inference cold: first CNN request on the running runner %.0f ms (runner load %s ms)",
                    cnnFirst.totalMs, loadMs(runner, CNN));
            for (String model : List.of(MINILM, CNN)) {
                sequential(runner, model);
            }
            for (String model : List.of(MINILM, CNN)) {
                throughput(runner, model, "batches of up to 8");
            }
        } finally {
            runner.close();
        }
        // the first runner counts as live for 10 s after its last poll; requests would wait for it half a second
        Thread.sleep(11_000);

        RunnerProcess single = start("bench-no-batching", Map.of("MODELHUB_RUNNER_SERVE_MAX_BATCH", "1"));
        try {
            single.awaitRegistration();
            call(MINILM, true);
            call(CNN, false);
            for (String model : List.of(MINILM, CNN)) {
                throughput(single, model, "no batching (MAX_BATCH=1)");
            }
        } finally {
            single.close();
        }
        BenchmarkReport.line("inference: load average after: %s", uptime());
    }

    private RunnerProcess start(String name, Map<String, String> env) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("MODELHUB_RUNNER_SERVE", "1");
        return RunnerProcess.start(base.toString().replaceAll("/$", ""), name, tmp.resolve(name),
                HubApi.issueRunnerCredential(name), all);
    }

    private void sequential(RunnerProcess runner, String model) throws Exception {
        for (int i = 0; i < 10; i++) {
            call(model, false);
        }
        List<Double> total = new ArrayList<>();
        List<Double> hubWait = new ArrayList<>();
        List<Double> prepare = new ArrayList<>();
        for (int i = 0; i < SEQUENTIAL; i++) {
            Call c = call(model, false);
            total.add(c.totalMs);
            hubWait.add((double) c.computeMs);
            prepare.add((double) c.prepareMs);
        }
        List<Batch> batches = batches(runner, model);
        List<Batch> last = batches.subList(batches.size() - SEQUENTIAL, batches.size());
        assertTrue(last.stream().allMatch(b -> b.requests == 1), "sequential requests are computed one at a time");
        List<Double> compute = last.stream().map(b -> (double) b.computeMs).toList();
        List<Double> queued = last.stream().map(b -> (double) b.queuedMs).toList();
        List<Double> posted = last.stream().map(b -> (double) b.postedMs).toList();
        BenchmarkReport.line("inference warm sequential %s, %d requests: end to end p50 %.1f ms, p95 %.1f ms | p50 of the parts: "
                        + "hub's own work (total - X-Compute-Time-Ms) %.1f ms (of which preparing the request: body, revision, "
                        + "files %.1f ms), hub waiting for the runner %.1f ms, of which runner: "
                        + "poll to compute %.1f ms, compute %.1f ms, posting the answer %.1f ms",
                name(model), SEQUENTIAL, p(total, 50), p(total, 95), p(minus(total, hubWait), 50), p(prepare, 50), p(hubWait, 50),
                p(queued, 50), p(compute, 50), p(posted, 50));
    }

    private void throughput(RunnerProcess runner, String model, String mode) throws Exception {
        for (int i = 0; i < 5; i++) {
            call(model, false);
        }
        int before = batches(runner, model).size();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(THROUGHPUT_SECONDS);
        long started = System.nanoTime();
        List<Future<List<Double>>> futures = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            futures.add(clients.submit(() -> {
                List<Double> mine = new ArrayList<>();
                while (System.nanoTime() < end) {
                    mine.add(call(model, false).totalMs);
                }
                return mine;
            }));
        }
        List<Double> latencies = new ArrayList<>();
        for (Future<List<Double>> f : futures) {
            latencies.addAll(f.get(THROUGHPUT_SECONDS + 120, TimeUnit.SECONDS));
        }
        double seconds = ms(started) / 1000;
        clients.shutdown();
        List<Batch> batches = batches(runner, model);
        List<Batch> during = batches.subList(before, batches.size());
        double meanBatch = during.stream().mapToInt(b -> b.requests).average().orElse(0);
        BenchmarkReport.line("inference throughput %s, %d clients for %.1f s, %s: %.1f requests/s, latency p50 %.0f ms, p95 %.0f ms, "
                        + "mean batch %.1f requests (largest %d); per batch p50: compute %.0f ms, posting the answers %.0f ms",
                name(model), CLIENTS, seconds, mode, latencies.size() / seconds, p(latencies, 50), p(latencies, 95), meanBatch,
                during.stream().mapToInt(b -> b.requests).max().orElse(0),
                p(during.stream().map(b -> (double) b.computeMs).toList(), 50),
                p(during.stream().map(b -> (double) b.postedMs).toList(), 50));
    }

    private record Call(double totalMs, long computeMs, long prepareMs) {
    }

    private Call call(String model, boolean untilServing) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (true) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "models/" + model)).timeout(Duration.ofSeconds(120));
            request = model.equals(CNN)
                    ? request.header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(image))
                    : request.header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\": \"" + TEXT + "\"}"));
            long started = System.nanoTime();
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            double total = ms(started);
            if (untilServing && r.statusCode() == 503 && r.body().contains("no_serving_runner") && System.nanoTime() < deadline) {
                Thread.sleep(20);
                continue;
            }
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().startsWith("["), r.body());
            Matcher prepare = Pattern.compile("prepare;dur=(\\d+)").matcher(r.headers().firstValue("Server-Timing").orElse(""));
            return new Call(total, Long.parseLong(r.headers().firstValue("X-Compute-Time-Ms").orElseThrow()),
                    prepare.find() ? Long.parseLong(prepare.group(1)) : -1);
        }
    }

    private record Batch(int requests, long computeMs, long queuedMs, long postedMs) {
    }

    private static List<Batch> batches(RunnerProcess runner, String model) throws Exception {
        Matcher m = Pattern.compile("Inference on " + Pattern.quote(model)
                + ": (\\d+) request\\(s\\) in (\\d+) ms \\(waited (\\d+) ms since the poll, answers posted in (\\d+) ms\\)")
                .matcher(runner.output());
        List<Batch> out = new ArrayList<>();
        while (m.find()) {
            out.add(new Batch(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                    Long.parseLong(m.group(4))));
        }
        return out;
    }

    private static String loadMs(RunnerProcess runner, String model) throws Exception {
        Matcher m = Pattern.compile("Loaded " + Pattern.quote(model) + "@\\w+ for [\\w-]+ in (\\d+) ms").matcher(runner.output());
        return m.find() ? m.group(1) : "?";
    }

    private static String name(String model) {
        return model.equals(MINILM) ? "MiniLM feature-extraction" : "shapes-sized CNN image-classification";
    }

    private static List<Double> minus(List<Double> a, List<Double> b) {
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            out.add(a.get(i) - b.get(i));
        }
        return out;
    }

    private static double p(List<Double> samples, double percentile) {
        return BenchmarkReport.percentile(samples, percentile);
    }

    private static double ms(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e6;
    }

    private static String uptime() throws Exception {
        return java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim();
    }

    private static byte[] noiseImage(int side) throws Exception {
        SplittableRandom random = new SplittableRandom(19);
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                img.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
