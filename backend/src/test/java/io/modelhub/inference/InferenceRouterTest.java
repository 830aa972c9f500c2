package io.modelhub.inference;

import io.modelhub.contract.InferenceProtocol.LoadedModel;
import io.modelhub.contract.InferenceProtocol.Poll;
import io.modelhub.contract.InferenceProtocol.Result;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.contract.RunnerProtocol.InputFile;
import io.modelhub.platform.ApiException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Routing and failure rules of the in-memory router, on a hand-moved clock (polls and waits of 0 ms). */
class InferenceRouterTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final InferenceRouter router = new InferenceRouter(now::get);

    private static Work work(String id, String repo) {
        return new Work(id, repo, "c0ffee00", null, "a text", Map.of(), null, List.of());
    }

    private static Poll poll(List<LoadedModel> loaded, List<String> inFlight, int capacity) {
        return new Poll(loaded, 1L << 30, inFlight, capacity);
    }

    private List<String> ids(List<Work> work) {
        return work.stream().map(Work::id).toList();
    }

    @Test
    void aRunnerThatHasTheModelLoadedGetsItFirst() throws Exception {
        LoadedModel a = new LoadedModel("ns/a", "c0ffee00");
        router.poll(2, "warm", poll(List.of(a), List.of(), 4), 0);
        router.submit(work("r1", "ns/a"));
        assertEquals(List.of(), router.poll(1, "cold", poll(List.of(), List.of(), 4), 0), "the cold runner waits its turn");
        assertEquals(List.of("r1"), ids(router.poll(2, "warm", poll(List.of(a), List.of(), 4), 0)));

        // a model no live runner has loaded goes to whoever asks; after the preference window, any runner may take it
        router.submit(work("r2", "ns/b"));
        assertEquals(List.of("r2"), ids(router.poll(1, "cold", poll(List.of(), List.of(), 4), 0)));
        router.submit(work("r3", "ns/a"));
        now.addAndGet(InferenceRouter.PREFER_LOADED_MS);
        assertEquals(List.of("r3"), ids(router.poll(1, "cold", poll(List.of(), List.of("r2"), 4), 0)));
    }

    @Test
    void aRunnerThatTookARequestForAModelCountsAsHavingItLoaded() throws Exception {
        router.submit(work("r1", "ns/a"));
        assertEquals(List.of("r1"), ids(router.poll(1, "first", poll(List.of(), List.of(), 4), 0)));
        // its next poll went out before the model was loaded, so it does not list it; the request still goes there
        router.poll(1, "first", poll(List.of(), List.of("r1"), 4), 0);
        router.submit(work("r2", "ns/a"));
        assertEquals(List.of(), router.poll(2, "second", poll(List.of(), List.of(), 4), 0), "not loaded twice");
        assertEquals(List.of("r2"), ids(router.poll(1, "first", poll(List.of(), List.of("r1"), 4), 0)));
    }

    @Test
    void aPollTakesNoMoreThanItsCapacity() throws Exception {
        for (int i = 0; i < 3; i++) {
            router.submit(work("r" + i, "ns/a"));
        }
        assertEquals(List.of("r0", "r1"), ids(router.poll(1, "one", poll(List.of(), List.of(), 2), 0)));
        assertEquals(List.of(), router.poll(1, "one", poll(List.of(), List.of("r0", "r1"), 0), 0));
        assertEquals(List.of("r2"), ids(router.poll(1, "one", poll(List.of(), List.of("r0", "r1"), 1), 0)));
    }

    @Test
    void aRequestWhoseRunnerDiesIsRetriedOnceElsewhere() throws Exception {
        router.poll(1, "doomed", poll(List.of(), List.of(), 1), 0);
        router.poll(2, "spare", poll(List.of(), List.of(), 1), 0);
        InferenceRouter.Ticket ticket = router.submit(work("r1", "ns/a"));
        assertEquals(List.of("r1"), ids(router.poll(1, "doomed", poll(List.of(), List.of(), 1), 0)));

        // runner 1 stops polling; the spare keeps polling and, once runner 1 counts as gone, gets the request
        now.addAndGet(InferenceRouter.SILENCE_MS / 2);
        assertEquals(List.of(), router.poll(2, "spare", poll(List.of(), List.of(), 1), 0));
        now.addAndGet(InferenceRouter.SILENCE_MS / 2 + 1);
        assertEquals(List.of("r1"), ids(router.poll(2, "spare", poll(List.of(), List.of(), 1), 0)));
        assertFalse(router.complete(1, "r1", Result.ok("late")), "the dead runner's late answer is refused");
        assertTrue(router.complete(2, "r1", Result.ok(List.of("answer"))));
        assertEquals(Result.ok(List.of("answer")), router.await(ticket, 0).result());
        assertEquals(0, router.pending());
    }

    @Test
    void aSecondLossEndsTheRequestWith503() throws Exception {
        router.poll(2, "second", poll(List.of(), List.of(), 0), 0);
        InferenceRouter.Ticket ticket = router.submit(work("r1", "ns/a"));
        assertEquals(List.of("r1"), ids(router.poll(1, "first", poll(List.of(), List.of(), 1), 0)));
        // the runner restarted: its next poll does not list the request, which goes to the other runner
        assertEquals(List.of(), router.poll(1, "first", poll(List.of(), List.of(), 1), 0));
        assertEquals(List.of("r1"), ids(router.poll(2, "second", poll(List.of(), List.of(), 1), 0)));
        // and that one dies too
        now.addAndGet(InferenceRouter.SILENCE_MS + 1);
        InferenceRouter.Outcome outcome = router.await(ticket, 0);
        assertNull(outcome.stall());
        assertEquals(503, outcome.result().status());
        assertEquals("No runner answered: the request was lost twice (runner first dropped it, then runner second "
                + "stopped answering while holding it); try again", outcome.result().error());
        assertEquals(0, router.pending());
    }

    @Test
    void aModelLargerThanEveryLiveRunnersBudgetIsRefusedBeforeItWaits() throws Exception {
        long mb = 1 << 20;
        // 1 MB of weights counts twice, plus a quarter: 2.5 MB
        Work big = new Work("big", "ns/big", "c0ffee0012", null, "a text", Map.of(), null,
                List.of(new InputFile("config.json", 0, null, "x"), new InputFile("model.safetensors", mb, "y", "z")));
        router.refuseIfNoRunnerFits(big); // no runner has said its budget: nothing to refuse by

        router.poll(1, "small", new Poll(List.of(), mb, List.of(), 0, 2 * mb), 0);
        router.poll(2, "medium", new Poll(List.of(), mb, List.of(), 0, 2 * mb + mb / 5), 0);
        ApiException refused = assertThrows(ApiException.class, () -> router.refuseIfNoRunnerFits(big));
        assertEquals(413, refused.status());
        assertEquals("ns/big needs about 2.5 MB of memory to serve (its files at c0ffee00); the largest serving runner, "
                + "medium, serves models up to 2.2 MB. Start a runner with a larger MODELHUB_RUNNER_SERVE_MEMORY_MB "
                + "(see docs/inference.md)", refused.getMessage());

        // a runner with room, or one that does not say its budget, may take it
        router.poll(3, "large", new Poll(List.of(), mb, List.of(), 0, 3 * mb), 0);
        router.refuseIfNoRunnerFits(big);
        now.addAndGet(InferenceRouter.SILENCE_MS + 1);
        router.poll(1, "small", new Poll(List.of(), mb, List.of(), 0, 2 * mb), 0);
        assertThrows(ApiException.class, () -> router.refuseIfNoRunnerFits(big), "the large runner went quiet");
        router.poll(4, "old", new Poll(List.of(), mb, List.of(), 0), 0);
        router.refuseIfNoRunnerFits(big);
    }

    @Test
    void aTimeOutSaysWhy() throws Exception {
        assertFalse(router.anyServing());
        InferenceRouter.Ticket none = router.submit(work("r0", "ns/a"));
        assertEquals(InferenceRouter.Stall.NO_RUNNER, router.await(none, 0).stall());

        router.poll(1, "gpu-2", poll(List.of(), List.of(), 1), 0);
        assertTrue(router.anyServing());
        InferenceRouter.Ticket loading = router.submit(work("r1", "ns/a"));
        router.poll(1, "gpu-2", poll(List.of(), List.of(), 1), 0);
        InferenceRouter.Outcome outcome = router.await(loading, 0);
        assertEquals(InferenceRouter.Stall.LOADING, outcome.stall());
        assertEquals("gpu-2", outcome.runnerName());

        InferenceRouter.Ticket busy = router.submit(work("r2", "ns/a"));
        assertEquals(InferenceRouter.Stall.BUSY, router.await(busy, 0).stall());
        assertEquals(0, router.pending(), "a request that timed out is withdrawn");
        assertFalse(router.complete(1, "r1", Result.ok("too late")));
    }
}
