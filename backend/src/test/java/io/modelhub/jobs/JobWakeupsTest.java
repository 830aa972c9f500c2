package io.modelhub.jobs;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who a queue wake-up reaches, without a database: the waiting claims of one hub instance and their runners' offers. */
class JobWakeupsTest {
    static final JobWakeups.Offer CPU = new JobWakeups.Offer(Set.of("train@1"), 0, 0, Set.of());
    static final JobWakeups.Offer GPU = new JobWakeups.Offer(Set.of("train@1", "eval@1"), 1, 16000, Set.of("a100"));

    static JobWakeups.Needs job(long id, String recipe, int gpus, long memory, String... labels) {
        return new JobWakeups.Needs(id, recipe, gpus, memory, Set.of(labels));
    }

    @Test
    void aJobWakesOnlyAClaimWhoseRunnerCanTakeIt() throws Exception {
        JobWakeups wakeups = new JobWakeups();
        JobWakeups.Waiter cpu = wakeups.enlist(1, CPU);
        JobWakeups.Waiter gpu = wakeups.enlist(2, GPU);
        CompletableFuture<Long> gpuWoke = sleep(gpu, 10_000);
        CompletableFuture<Long> cpuWoke = sleep(cpu, 700);

        wakeups.wake(job(10, "train@1", 1, 0));
        assertTrue(gpuWoke.get(5, TimeUnit.SECONDS) < 5_000, "the GPU runner's claim wakes at once");
        assertTrue(cpuWoke.get(5, TimeUnit.SECONDS) >= 650, "the CPU runner's claim sleeps to its timeout");
        assertEquals(1, wakeups.delivered(2));
        assertEquals(0, wakeups.delivered(1));

        // each thing a claim compares: recipe, GPUs, GPU memory, labels
        wakeups.wake(job(11, "eval@1", 0, 0));
        wakeups.wake(job(12, "train@1", 0, 8000));
        wakeups.wake(job(13, "train@1", 0, 0, "a100"));
        assertEquals(0, wakeups.delivered(1));
        assertEquals(4, wakeups.delivered(2));
        // a job no waiting claim can take wakes none
        wakeups.wake(job(14, "train@1", 0, 0, "h100"));
        wakeups.wake(job(15, "train@2", 0, 0));
        assertEquals(List.of(0L, 4L), List.of(wakeups.delivered(1), wakeups.delivered(2)));
        wakeups.wake(job(16, "train@1", 0, 0));
        assertEquals(List.of(1L, 4L), List.of(wakeups.delivered(1), wakeups.delivered(2)),
                "a job both can run goes to the claim with the fewest handed to it");
    }

    @Test
    void oneClaimPerJobTheLongestAsleepFirst() throws Exception {
        JobWakeups wakeups = new JobWakeups();
        JobWakeups.Waiter first = wakeups.enlist(1, CPU);
        JobWakeups.Waiter second = wakeups.enlist(2, CPU);
        JobWakeups.Waiter third = wakeups.enlist(3, CPU);
        wakeups.wake(job(20, "train@1", 0, 0));
        assertEquals(List.of(1L, 0L, 0L), List.of(wakeups.delivered(1), wakeups.delivered(2), wakeups.delivered(3)));
        wakeups.wake(job(21, "train@1", 0, 0));
        wakeups.wake(job(22, "train@1", 0, 0));
        assertEquals(List.of(1L, 1L, 1L), List.of(wakeups.delivered(1), wakeups.delivered(2), wakeups.delivered(3)));
        // a claim handed a wake-up before it sleeps does not sleep
        assertTrue(sleep(first, 10_000).get(5, TimeUnit.SECONDS) < 5_000);
        wakeups.leave(second);
        wakeups.leave(third);
    }

    @Test
    void aWakeUpAClaimDidNotUseGoesOnAndOneItUsedUpDoesNot() {
        JobWakeups wakeups = new JobWakeups();
        JobWakeups.Waiter a = wakeups.enlist(1, CPU);
        JobWakeups.Waiter b = wakeups.enlist(2, CPU);
        wakeups.wake(job(30, "train@1", 0, 0));
        assertEquals(1, wakeups.delivered(1));
        // a looks and takes job 29 (higher priority): job 30 may still be queued, so b is woken for it
        a.looking();
        a.looked(29L, null);
        wakeups.leave(a);
        assertEquals(1, wakeups.delivered(2));
        // b looks and finds nothing: job 30 is gone, nobody else is woken for it
        JobWakeups.Waiter c = wakeups.enlist(3, CPU);
        b.looking();
        b.looked(null, null);
        wakeups.leave(b);
        assertEquals(0, wakeups.delivered(3));
        // handed over while c was looking: that look may have missed the job, so leaving passes it on
        JobWakeups.Waiter d = wakeups.enlist(4, CPU);
        c.looking();
        wakeups.wake(job(31, "train@1", 0, 0));
        c.looked(null, null);
        assertEquals(1, wakeups.delivered(3));
        wakeups.leave(c);
        assertEquals(1, wakeups.delivered(4));
        wakeups.leave(d);
    }

    @Test
    void aNotificationThatNamesNoJobWakesEveryClaim() throws Exception {
        JobWakeups wakeups = new JobWakeups();
        JobWakeups.Waiter cpu = wakeups.enlist(1, CPU);
        JobWakeups.Waiter gpu = wakeups.enlist(2, GPU);
        CompletableFuture<Long> cpuWoke = sleep(cpu, 10_000);
        CompletableFuture<Long> gpuWoke = sleep(gpu, 10_000);
        wakeups.wake("*");
        assertTrue(cpuWoke.get(5, TimeUnit.SECONDS) < 5_000);
        assertTrue(gpuWoke.get(5, TimeUnit.SECONDS) < 5_000);
        assertEquals(List.of(1L, 1L), List.of(wakeups.delivered(1), wakeups.delivered(2)));
    }

    /** The claim sleeps (after a look that found nothing) in the background; answers how long it slept, in ms. */
    private static CompletableFuture<Long> sleep(JobWakeups.Waiter w, long timeoutMillis) {
        return CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            try {
                w.await(timeoutMillis);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        });
    }
}
