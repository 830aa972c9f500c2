package io.modelhub.runners.agent;

import io.modelhub.contract.RunnerProtocol.InputFile;
import io.modelhub.contract.RunnerProtocol.InputListing;
import io.modelhub.storage.blobs.HashingInputStream;
import io.modelhub.storage.blobs.StoredBlob;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Fetches one input of a held job (a repository at its pinned commit) into a local folder, checking every file
 * against the hashes the hub states (sha256 for LFS files, git blob sha1 for all). A folder fetched once is reused
 * by later jobs on the same commit.
 * <p>
 * Files are fetched {@code parallel} at a time: a dataset of thousands of small files is bound by round trips, not
 * bytes (10,000 MNIST PNGs one after the other took 110 s). Each file lands under a temporary name beside the folder
 * and is moved into place only once verified, so a fetch that was killed resumes with just the files that are
 * missing or do not verify.
 * <p>
 * A job's inputs come instead as one tar stream of the files still missing ({@link #fetchArchive}): the hub checks
 * the lease and resolves the revision once, and reads small files from its store ahead of the stream, where a request
 * per file cost it a few milliseconds each. Entries are verified and moved into place one by one, so a stream that
 * breaks off is asked again for the rest only.
 */
final class RepoDownloads {
    /** Files in flight per fetch unless the runner is told otherwise (MODELHUB_RUNNER_FETCH_PARALLEL). */
    static final int DEFAULT_PARALLEL = 8;
    /** Two fetches of one folder in this process (a job and a model load) take turns: the second finds it done. */
    private static final ConcurrentHashMap<Path, Object> FOLDERS = new ConcurrentHashMap<>();

    private RepoDownloads() {
    }

    /** Fetches one file of the listing to a local path (the job input call, or the inference one). */
    @FunctionalInterface
    interface FileFetcher {
        void fetch(String path, Path target) throws IOException, InterruptedException;
    }

    /** Opens one tar stream of the named files of the listing (the job input archive call). */
    @FunctionalInterface
    interface ArchiveFetcher {
        InputStream open(List<String> paths) throws IOException, InterruptedException;
    }

    /** Archive streams in a row that may break off without bringing a file before the fetch gives up. */
    static final int ARCHIVE_ATTEMPTS = 3;

    /** What a fetch did: the folder, the files it downloaded (the rest were there and verified), their bytes. */
    record Fetched(Path dir, int files, int downloaded, long bytes, Duration took) {
    }

    static Fetched fetch(HubClient hub, HubClient.Lease lease, InputListing input, String type, Path cacheRoot, int parallel)
            throws IOException, InterruptedException {
        return fetch((path, target) -> hub.downloadInput(lease, input.role(), path, target), input, type, cacheRoot, parallel);
    }

    static Path fetch(FileFetcher fetcher, InputListing input, String type, Path cacheRoot)
            throws IOException, InterruptedException {
        return fetch(fetcher, input, type, cacheRoot, DEFAULT_PARALLEL).dir();
    }

    static Fetched fetch(FileFetcher fetcher, InputListing input, String type, Path cacheRoot, int parallel)
            throws IOException, InterruptedException {
        return fetch(input, type, cacheRoot, todo -> download(fetcher, todo, parallel));
    }

    /** A job input through the archive call. */
    static Fetched fetchArchive(HubClient hub, HubClient.Lease lease, InputListing input, String type, Path cacheRoot)
            throws IOException, InterruptedException {
        return fetchArchive(paths -> hub.openInputArchive(lease, input.role(), paths), input, type, cacheRoot);
    }

    static Fetched fetchArchive(ArchiveFetcher archive, InputListing input, String type, Path cacheRoot)
            throws IOException, InterruptedException {
        return fetch(input, type, cacheRoot, todo -> unpack(archive, todo));
    }

    /** Brings the files a fetch lacks; answers their bytes. */
    @FunctionalInterface
    private interface Transfer {
        long bring(List<Download> todo) throws IOException, InterruptedException;
    }

    private static Fetched fetch(InputListing input, String type, Path cacheRoot, Transfer transfer)
            throws IOException, InterruptedException {
        long started = System.nanoTime();
        Path dir = cacheRoot.resolve(type + "s").resolve(input.repo().replace('/', '_')).resolve(input.revision()).toAbsolutePath();
        synchronized (FOLDERS.computeIfAbsent(dir, d -> new Object())) {
            List<InputFile> files = input.files().stream().filter(f -> !f.path().equals(".gitattributes")).toList();
            if (Files.exists(dir.resolve(".complete"))) {
                return new Fetched(dir, files.size(), 0, 0, Duration.ofNanos(System.nanoTime() - started));
            }
            // Temporary names live outside the folder so that a recipe never sees a half-written file; whatever an
            // earlier, killed fetch left there is unverified and goes.
            Path partial = dir.resolveSibling(dir.getFileName() + ".partial");
            deleteTree(partial);
            Files.createDirectories(partial);
            List<Download> todo = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                InputFile file = files.get(i);
                Path target = dir.resolve(file.path()).normalize();
                if (!target.startsWith(dir) || target.equals(dir)) {
                    throw new IOException("Refusing a path outside the download folder: " + file.path());
                }
                if (!alreadyThere(target, file)) {
                    todo.add(new Download(file, target, partial.resolve(i + ".part")));
                }
            }
            long bytes = transfer.bring(todo);
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(".complete"), input.revision());
            deleteTree(partial);
            return new Fetched(dir, files.size(), todo.size(), bytes, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private record Download(InputFile file, Path target, Path temp) {
    }

    /**
     * Runs the downloads on a pool of {@code parallel} threads. The first failure stops the rest: files not yet
     * started are skipped, those in flight are interrupted, and that failure is what the caller sees.
     */
    private static long download(FileFetcher fetcher, List<Download> todo, int parallel) throws IOException, InterruptedException {
        if (todo.isEmpty()) {
            return 0;
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallel, todo.size())), r -> {
            Thread t = new Thread(r, "input-fetch-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        AtomicBoolean failed = new AtomicBoolean();
        CompletionService<Long> done = new ExecutorCompletionService<>(pool);
        try {
            for (Download d : todo) {
                done.submit(() -> {
                    if (failed.get()) {
                        return 0L;
                    }
                    fetcher.fetch(d.file().path(), d.temp());
                    verify(d.temp(), d.file());
                    Files.createDirectories(d.target().getParent());
                    Files.move(d.temp(), d.target(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    return d.file().size();
                });
            }
            long bytes = 0;
            for (int i = 0; i < todo.size(); i++) {
                try {
                    bytes += done.take().get();
                } catch (ExecutionException e) {
                    failed.set(true);
                    pool.shutdownNow();
                    throw rethrown(e.getCause());
                }
            }
            return bytes;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Reads archive streams until every file of {@code todo} is in place: each entry is written under its temporary
     * name, verified and moved, so a stream that breaks off is asked again for the files still missing only. Entries
     * are matched to the listing by path; the listing, never the entry name, says where a file goes.
     */
    private static long unpack(ArchiveFetcher archive, List<Download> todo) throws IOException, InterruptedException {
        Map<String, Download> left = new LinkedHashMap<>();
        todo.forEach(d -> left.put(d.file().path(), d));
        long bytes = 0;
        int fruitless = 0;
        while (!left.isEmpty()) {
            int before = left.size();
            IOException broke = null;
            try (InputStream in = archive.open(List.copyOf(left.keySet()));
                 TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(in, 256 * 1024),
                         StandardCharsets.UTF_8.name())) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    if (!entry.isFile()) {
                        continue;
                    }
                    Download d = left.get(entry.getName());
                    if (d == null) {
                        throw new Mismatch("The hub's archive holds a file that was not asked for: " + entry.getName());
                    }
                    if (entry.getSize() != d.file().size()) {
                        throw new Mismatch(d.file().path() + ": expected " + d.file().size() + " bytes, the archive has "
                                + entry.getSize());
                    }
                    // a stream cut short inside an entry is a broken connection, not a wrong file: asked for again
                    if (Files.copy(tar, d.temp(), StandardCopyOption.REPLACE_EXISTING) != d.file().size()) {
                        throw new IOException("The archive stream ended inside " + d.file().path());
                    }
                    verify(d.temp(), d.file());
                    Files.createDirectories(d.target().getParent());
                    Files.move(d.temp(), d.target(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    left.remove(d.file().path());
                    bytes += d.file().size();
                }
            } catch (Mismatch | HubClient.HubException refused) {
                // wrong bytes, or the hub said no (lease lost, file gone): asking again would not change either
                throw refused;
            } catch (IOException e) {
                broke = e;
            }
            if (left.isEmpty()) {
                break;
            }
            fruitless = left.size() < before ? 0 : fruitless + 1;
            if (fruitless >= ARCHIVE_ATTEMPTS) {
                String first = left.keySet().iterator().next();
                throw broke != null ? new IOException("Fetching " + first + " and " + (left.size() - 1) + " more files: "
                        + broke.getMessage(), broke)
                        : new IOException("The hub's archive ended without " + first + " (and " + (left.size() - 1) + " more files)");
            }
            System.err.println("Input archive " + (broke == null ? "ended early" : "broke off (" + broke.getMessage() + ")")
                    + " with " + left.size() + " files to go; asking for those");
        }
        return bytes;
    }

    /** A hub answer keeps its type (a refused credential must stop the agent); anything else becomes an IOException. */
    private static IOException rethrown(Throwable cause) throws InterruptedException {
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof InterruptedException interrupted) {
            throw interrupted;
        }
        if (cause instanceof RuntimeException runtime) {
            throw runtime;
        }
        return new IOException(cause);
    }

    /** A file an earlier fetch put in place counts only if it still verifies (a disk can lose a write too). */
    private static boolean alreadyThere(Path target, InputFile expected) throws IOException {
        if (!Files.isRegularFile(target) || Files.size(target) != expected.size()) {
            return false;
        }
        try {
            verify(target, expected);
            return true;
        } catch (Mismatch e) {
            return false;
        }
    }

    /** The hub's listing and the bytes disagree. */
    static final class Mismatch extends IOException {
        Mismatch(String message) {
            super(message);
        }
    }

    /** One pass over the file gives both hashes the hub may state (the same code that hashes uploads). */
    private static void verify(Path file, InputFile expected) throws IOException {
        long size = Files.size(file);
        if (expected.size() != size) {
            throw new Mismatch(expected.path() + ": expected " + expected.size() + " bytes, got " + size);
        }
        StoredBlob actual;
        try (HashingInputStream in = new HashingInputStream(Files.newInputStream(file), size)) {
            in.transferTo(OutputStream.nullOutputStream());
            actual = in.storedBlob();
        }
        if (expected.sha256() != null && !expected.sha256().equals(actual.sha256())) {
            throw new Mismatch(expected.path() + ": sha256 mismatch (expected " + expected.sha256() + ", got " + actual.sha256() + ")");
        }
        if (expected.gitSha1() != null && !expected.gitSha1().equals(actual.gitSha1())) {
            throw new Mismatch(expected.path() + ": git sha1 mismatch (expected " + expected.gitSha1() + ", got "
                    + actual.gitSha1() + ")");
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.delete(p);
                } catch (NoSuchFileException gone) {
                    // already gone
                }
            }
        }
    }
}
