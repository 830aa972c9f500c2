package io.modelhub.inference;

import io.modelhub.contract.InferenceProtocol.LoadedModel;
import io.modelhub.contract.InferenceProtocol.Poll;
import io.modelhub.contract.InferenceProtocol.Result;
import io.modelhub.contract.InferenceProtocol.Work;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
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
        assertTrue(outcome.result().error().contains("lost twice"), outcome.result().error());
        assertEquals(0, router.pending());
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
