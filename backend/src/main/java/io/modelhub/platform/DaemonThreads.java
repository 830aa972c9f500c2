package io.modelhub.platform;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** Fixed pools of named daemon threads for a service's own background work (a stuck task never holds up shutdown). */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    /** {@code threads} threads named {@code name-1}, {@code name-2}, ...; the owner shuts the pool down. */
    public static ExecutorService pool(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}
