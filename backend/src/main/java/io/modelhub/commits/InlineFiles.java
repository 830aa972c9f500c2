package io.modelhub.commits;

import io.modelhub.accounts.Viewer;
import io.modelhub.platform.DaemonThreads;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * Stores the inline files of one commit several at a time while its body is still being read. Each small file costs
 * a few store and database round trips (put, claim, the claim's existence check) and almost no CPU: one after the
 * other, 10,000 MNIST PNGs kept a push at about 300 files/s (issue 17).
 */
@ApplicationScoped
public class InlineFiles {
    /** Files stored at once, over all commits. */
    static final int PARALLEL = 8;
    /** Files read ahead of the stores per commit (each waits in a temporary file): bounds a commit's disk use. */
    static final int AHEAD = 32;

    @Inject
    CommitService commits;

    private final ExecutorService pool = DaemonThreads.pool("inline-store", PARALLEL);

    /** A commit's changes in their order, with the stores of its inline files under way. */
    public Batch batch(Viewer uploader) {
        return new Batch(uploader);
    }

    public final class Batch implements AutoCloseable {
        private final Viewer uploader;
        private final Semaphore ahead = new Semaphore(AHEAD);
        private final List<Future<FileChange>> changes = new ArrayList<>();

        private Batch(Viewer uploader) {
            this.uploader = uploader;
        }

        /** A change that needs no storing (an LFS file already stored, a delete). */
        public void add(FileChange change) {
            changes.add(CompletableFuture.completedFuture(change));
        }

        /**
         * Stores {@code content} (a temporary file this batch now owns and deletes) as {@code path}, claimed by the
         * uploader as {@link CommitService#store(InputStream, long, Viewer)} does. Waits while {@link #AHEAD} files
         * of this commit are still to be stored.
         */
        public void put(String path, Path content) throws IOException {
            try {
                ahead.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Files.deleteIfExists(content);
                throw new InterruptedIOException("Interrupted while storing the commit's files");
            }
            try {
                changes.add(pool.submit(() -> {
                    try (InputStream in = Files.newInputStream(content)) {
                        return FileChange.put(path, commits.store(in, Files.size(content), uploader));
                    } finally {
                        Files.deleteIfExists(content);
                        ahead.release();
                    }
                }));
            } catch (RuntimeException e) {
                ahead.release();
                Files.deleteIfExists(content);
                throw e;
            }
        }

        /** Every change in the order added, once its file is stored; the first failure is what the caller gets. */
        public List<FileChange> changes() throws IOException {
            List<FileChange> out = new ArrayList<>(changes.size());
            for (Future<FileChange> change : changes) {
                try {
                    out.add(change.get());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("Interrupted while storing the commit's files");
                } catch (ExecutionException e) {
                    throw unwrapped(e.getCause());
                }
            }
            return out;
        }

        /**
         * Waits for the stores still running (their temporary files go with them). What they stored stays claimed
         * by the uploader for the grace period, so a retried push finds it.
         */
        @Override
        public void close() {
            for (Future<FileChange> change : changes) {
                try {
                    change.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (ExecutionException e) {
                    // reported by changes(), or the commit failed for another reason first
                }
            }
        }
    }

    private static IOException unwrapped(Throwable cause) {
        // as if stored on the request's thread: the same exceptions reach the same mappers
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof RuntimeException runtime) {
            throw runtime;
        }
        return new IOException(cause);
    }

    @PreDestroy
    void stop() {
        pool.shutdownNow();
    }
}
