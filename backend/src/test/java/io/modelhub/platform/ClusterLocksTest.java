package io.modelhub.platform;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The database side of several hub instances: a periodic task is claimed once per period however many claim it at
 * once, and a shared secret is whichever candidate came first. TwoInstancesIT (ui) runs it with two real processes.
 */
@QuarkusTest
class ClusterLocksTest {
    @Inject
    ClusterLocks cluster;

    @Test
    void onePeriodIsClaimedOnceEvenByConcurrentClaims() throws Exception {
        String task = "test-" + UUID.randomUUID();
        Duration period = Duration.ofMillis(1500);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> claims = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                claims.add(() -> cluster.claimPeriod(task, period));
            }
            int won = 0;
            for (Future<Boolean> f : pool.invokeAll(claims)) {
                won += f.get() ? 1 : 0;
            }
            assertEquals(1, won, "eight claims of one period at once");
        } finally {
            pool.shutdownNow();
        }
        assertFalse(cluster.claimPeriod(task, period), "the same period, claimed again");
        Thread.sleep(1400);
        assertTrue(cluster.claimPeriod(task, period), "a tick a little early for the next period still claims it");
        assertTrue(cluster.claimPeriod("other-" + task, period), "each task has its own periods");
    }

    @Test
    void theFirstSecretStoredIsEveryonesSecret() {
        String name = "test-secret-" + UUID.randomUUID();
        String first = cluster.sharedSecret(name, "candidate-one");
        assertEquals("candidate-one", first);
        assertEquals("candidate-one", cluster.sharedSecret(name, "candidate-two"), "a later instance gets the stored one");
        assertNotEquals(first, cluster.sharedSecret("other-" + name, "candidate-two"));
    }
}
