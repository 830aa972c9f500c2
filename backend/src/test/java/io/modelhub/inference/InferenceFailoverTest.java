package io.modelhub.inference;

import io.modelhub.testing.HubApi;
import io.modelhub.testing.InferenceModels;
import io.modelhub.testing.RunnerProcess;
import io.modelhub.testing.Safetensors;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failure through real serving runner processes (issue 15, part 5): a model larger than every runner's serving budget
 * is refused by the hub before it waits; a runner that dies while it holds a request (frozen with SIGSTOP once the hub
 * has handed it the request, then killed with SIGKILL) costs the caller one retry on another runner; a second death
 * ends the call with a 503 naming both. 78-80 s on a busy 2-core box: three runner starts, and twice the 10 s after which
 * the hub counts a runner as gone.
 */
@QuarkusTest
class InferenceFailoverTest {
    static final String COLOURS = "admin/failover-colours";
    static final String TOO_LARGE = "admin/failover-too-large";

    @TestHTTPResource("/")
    URL base;
    @TempDir
    static Path tmp;
    @Inject
    InferenceRouter router;

    static final List<RunnerProcess> runners = new ArrayList<>();
    /** Threads of the test's own (its class loader), for the calls that wait while the test kills runners. */
    static final ExecutorService callers = Executors.newFixedThreadPool(2);

    @AfterAll
    static void stopRunners() throws Exception {
        callers.shutdownNow();
        for (RunnerProcess r : runners) {
            r.kill();
        }
    }

    @Test
    void aDeadRunnersRequestIsRetriedOnceElsewhereAndATooLargeModelIsRefusedUpFront() throws Exception {
        // serving runners of earlier test classes count as live for a while after they stop; this test needs its own
        long t0 = System.nanoTime();
        await(() -> !router.anyServing(), 45, "runners of earlier tests going quiet");
        System.out.printf("failover: no serving runner after %.1f s%n", (System.nanoTime() - t0) / 1e9);
        InferenceModels.colourClassifier(COLOURS.substring("admin/".length())).create();
        // 600 kB more weights: about 1.4 MB loaded, over a 1 MB budget
        String tooLarge = InferenceModels.colourClassifier(TOO_LARGE.substring("admin/".length()))
                .file("extra.safetensors", Safetensors.builder().f32("padding", new float[150_000], 150_000).build()).create();

        RunnerProcess a = start("failover-a", Map.of("MODELHUB_RUNNER_SERVE_MEMORY_MB", "1"));
        await(() -> router.polling("failover-a"), 60, "failover-a polling");

        // the only runner serves up to 1 MB: the hub says so at once, naming the runner and the limit
        Response refused = red(TOO_LARGE);
        assertEquals(413, refused.statusCode(), refused.asString());
        assertEquals("admin/failover-too-large needs about 1.4 MB of memory to serve (its files at "
                        + tooLarge.substring(0, 8) + "); the largest serving runner, failover-a, serves models up to 1.0 MB. Start a runner with a "
                        + "larger MODELHUB_RUNNER_SERVE_MEMORY_MB (see docs/inference.md)",
                refused.jsonPath().getString("error"));
        assertEquals(0, router.pending(), "nothing was queued for it");

        // a model that fits is served by it, and stays loaded there (so the next request for it goes to failover-a)
        assertEquals(List.of("red", "blue"), red(COLOURS).then().statusCode(200).extract().jsonPath().getList("label"));
        red(COLOURS).then().statusCode(200);
        assertFalse(a.output().contains(TOO_LARGE), "the runner never saw the refused model");

        // failover-a hangs right after taking a request, then dies; failover-b answers it
        RunnerProcess b = start("failover-b", Map.of());
        await(() -> router.polling("failover-b") && router.polling("failover-a"), 60, "both polling");
        a.freeze();
        Future<Response> first = callers.submit(() -> red(COLOURS));
        await(() -> router.holders().containsValue("failover-a"), 10, () -> "failover-a holding the request; held: "
                + router.holders() + ", pending " + router.pending() + ", call " + (first.isDone() ? outcome(first) : "waiting"));
        a.kill();
        Response answered = first.get(60, TimeUnit.SECONDS);
        assertEquals(200, answered.statusCode(), answered.asString() + "\n" + b.output());
        assertEquals(List.of("red", "blue"), answered.jsonPath().getList("label"));
        assertTrue(b.output().contains("Inference on " + COLOURS), b.output());

        // a second death: failover-b takes the next request and dies, failover-c takes it and dies too
        red(COLOURS).then().statusCode(200);
        RunnerProcess c = start("failover-c", Map.of());
        await(() -> router.polling("failover-c"), 60, "failover-c polling");
        c.freeze();
        // failover-b answers one more, so that the poll it freezes in has just opened and outlasts the test
        await(() -> router.polling("failover-b"), 10, "failover-b polling");
        assertEquals(200, red(COLOURS).statusCode());
        await(() -> router.polling("failover-b"), 10, "failover-b polling again");
        b.freeze();
        Future<Response> second = callers.submit(() -> red(COLOURS));
        await(() -> router.holders().containsValue("failover-b"), 10, () -> "failover-b holding the request; held: "
                + router.holders() + ", call " + (second.isDone() ? outcome(second) : "waiting"));
        b.kill();
        await(() -> router.holders().containsValue("failover-c"), 20, () -> "failover-c holding the request; held: "
                + router.holders() + ", call " + (second.isDone() ? outcome(second) : "waiting"));
        c.kill();
        Response lost = second.get(60, TimeUnit.SECONDS);
        assertEquals(503, lost.statusCode(), lost.asString());
        assertEquals("No runner answered: the request was lost twice (runner failover-b stopped answering, then runner "
                + "failover-c stopped answering while holding it); try again", lost.jsonPath().getString("error"));
        assertEquals(0, router.pending());
    }

    private static Response red(String repo) {
        return HubApi.as(null).contentType("image/png").body(InferenceModels.png(Color.RED)).post("/models/" + repo);
    }

    private RunnerProcess start(String name, Map<String, String> env) throws Exception {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("MODELHUB_RUNNER_SERVE", "1");
        RunnerProcess r = RunnerProcess.start(base.toString().replaceAll("/$", ""), name, tmp.resolve(name),
                HubApi.issueRunnerCredential(name), all);
        runners.add(r);
        r.awaitRegistration();
        return r;
    }

    private static void await(BooleanSupplier condition, int seconds, String what) throws InterruptedException {
        await(condition, seconds, () -> what);
    }

    private static void await(BooleanSupplier condition, int seconds, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Waited " + seconds + " s for " + what.get());
            }
            Thread.sleep(50);
        }
    }

    private static String outcome(Future<Response> call) {
        try {
            Response r = call.get();
            return r.statusCode() + " " + r.asString();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
