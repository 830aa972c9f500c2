package io.modelhub.runners.agent;

import com.sun.net.httpserver.HttpServer;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.contract.RunnerProtocol.InputFile;
import io.modelhub.contract.RunnerProtocol.InputListing;
import io.modelhub.storage.blobs.HashingInputStream;
import io.modelhub.storage.blobs.StoredBlob;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A job's input fetched through the real client from a hub that serves its files: parallel, verified, resumable. */
class RepoDownloadsTest {
    private static final String PREFIX = RunnerProtocol.ROOT + "/7/jobs/3/attempts/1/inputs/dataset/";
    private static final HubClient.Lease LEASE = new HubClient.Lease(7, 3, 1);
    private static final String ARCHIVE = RunnerProtocol.ROOT + "/7/jobs/3/attempts/1/input-archives/dataset";
    private static final String REVISION = "0123456789abcdef0123456789abcdef01234567";

    private final HttpServer server;
    private final ExecutorService handlers = Executors.newFixedThreadPool(16);
    /** What the hub serves, by repository path; a test may swap a file's bytes after the listing was made. */
    private final Map<String, byte[]> served = Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<String> requested = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger mostInFlight = new AtomicInteger();
    private volatile int delayMs;
    /** The paths each archive request asked for. */
    private final List<List<String>> archiveRequests = Collections.synchronizedList(new ArrayList<>());
    /** The next archive stream breaks off inside its entry of this index (-1: it does not). */
    private final AtomicInteger cutArchiveAfter = new AtomicInteger(-1);

    RepoDownloadsTest() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(handlers);
        server.createContext(PREFIX, exchange -> {
            String path = exchange.getRequestURI().getPath().substring(PREFIX.length());
            requested.add(path);
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                if (delayMs > 0) {
                    Thread.sleep(delayMs);
                }
                byte[] body = served.get(path);
                // counted out before the answer goes: a client that got it may ask again before this thread returns
                inFlight.decrementAndGet();
                if (body == null) {
                    body = "{\"error\":\"Entry not found\"}".getBytes();
                    exchange.sendResponseHeaders(404, body.length);
                } else {
                    exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
                }
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.createContext(ARCHIVE, exchange -> {
            List<String> paths = HubClient.json().readValue(exchange.getRequestBody(), RunnerProtocol.ArchiveRequest.class).paths();
            archiveRequests.add(paths);
            int cutAfter = cutArchiveAfter.getAndSet(-1);
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8");
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                for (int i = 0; i < paths.size(); i++) {
                    byte[] body = served.get(paths.get(i));
                    TarArchiveEntry entry = new TarArchiveEntry(paths.get(i), true);
                    entry.setSize(body.length);
                    tar.putArchiveEntry(entry);
                    if (i == cutAfter) {
                        // the connection breaks inside this entry: half its bytes, then the stream ends
                        tar.write(body, 0, body.length / 2);
                        tar.flush();
                        return;
                    }
                    tar.write(body);
                    tar.closeArchiveEntry();
                }
                tar.finish();
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        handlers.shutdownNow();
    }

    private HubClient client() {
        return new HubClient("http://127.0.0.1:" + server.getAddress().getPort(), "mhr_" + "a".repeat(40),
                new HubClient.Backoff(2, Duration.ofMillis(10), Duration.ofMillis(10)));
    }

    /** {@code count} files of random sizes (some empty) in an imagefolder layout, served and listed with their hashes. */
    private InputListing dataset(int count, long seed) {
        Random random = new Random(seed);
        List<InputFile> files = new ArrayList<>();
        files.add(listed(".gitattributes", "*.png -text\n".getBytes()));
        for (int i = 0; i < count; i++) {
            byte[] bytes = new byte[i % 50 == 0 ? 0 : 1 + random.nextInt(4000)];
            random.nextBytes(bytes);
            files.add(listed("train/" + (i % 10) + "/img-" + i + ".png", bytes));
        }
        return new InputListing(RunnerProtocol.DATASET, "admin/digits", REVISION, files);
    }

    private InputFile listed(String path, byte[] bytes) {
        served.put(path, bytes);
        try (HashingInputStream in = new HashingInputStream(new ByteArrayInputStream(bytes), bytes.length)) {
            in.transferTo(OutputStream.nullOutputStream());
            StoredBlob blob = in.storedBlob();
            // as the hub lists them: a sha256 for LFS files only, the git blob id for every file
            return new InputFile(path, bytes.length, path.endsWith("5.png") ? blob.sha256() : null, blob.gitSha1());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> filesUnder(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void parallelFetchGetsTheSameBytesAsOneAtATime(@TempDir Path tmp) throws Exception {
        InputListing listing = dataset(300, 1);
        delayMs = 2;
        RepoDownloads.Fetched one = RepoDownloads.fetch(client(), LEASE, listing, "dataset", tmp.resolve("one"), 1);
        assertEquals(1, mostInFlight.getAndSet(0));
        RepoDownloads.Fetched many = RepoDownloads.fetch(client(), LEASE, listing, "dataset", tmp.resolve("many"), 8);
        assertTrue(mostInFlight.get() > 1 && mostInFlight.get() <= 8, "at most 8 in flight: " + mostInFlight.get());

        assertEquals(300, one.downloaded());
        assertEquals(300, many.downloaded());
        assertEquals(one.bytes(), many.bytes());
        assertEquals(600, requested.size(), "each file once per fetch, .gitattributes never");
        List<String> names = filesUnder(one.dir());
        assertEquals(names, filesUnder(many.dir()));
        assertEquals(301, names.size(), "300 files and the .complete marker");
        for (InputFile f : listing.files().subList(1, listing.files().size())) {
            byte[] expected = served.get(f.path());
            assertArrayEquals(expected, Files.readAllBytes(one.dir().resolve(f.path())), f.path());
            assertArrayEquals(expected, Files.readAllBytes(many.dir().resolve(f.path())), f.path());
        }
        assertFalse(Files.exists(one.dir().resolveSibling(REVISION + ".partial")), "temporary names are cleaned up");

        requested.clear();
        RepoDownloads.Fetched again = RepoDownloads.fetch(client(), LEASE, listing, "dataset", tmp.resolve("many"), 8);
        assertEquals(0, again.downloaded());
        assertEquals(List.of(), requested, "a complete folder is reused without a request");
    }

    @Test
    void anInterruptedFetchResumesWithOnlyTheMissingAndUnverifiedFiles(@TempDir Path tmp) throws Exception {
        InputListing listing = dataset(200, 2);
        Path dir = RepoDownloads.fetch(client(), LEASE, listing, "dataset", tmp, 8).dir();
        // what a killed fetch leaves: no marker, some files never moved into place, one cut short on disk, one with
        // a flipped byte, and a temporary file
        Files.delete(dir.resolve(".complete"));
        Set<String> expectedAgain = new HashSet<>();
        for (int i = 0; i < 200; i += 7) {
            String path = "train/" + (i % 10) + "/img-" + i + ".png";
            Files.delete(dir.resolve(path));
            expectedAgain.add(path);
        }
        Path cut = dir.resolve("train/1/img-1.png");
        Files.write(cut, java.util.Arrays.copyOf(Files.readAllBytes(cut), (int) Files.size(cut) / 2));
        expectedAgain.add("train/1/img-1.png");
        Path flipped = dir.resolve("train/5/img-15.png");
        byte[] bytes = Files.readAllBytes(flipped);
        bytes[bytes.length / 2] ^= 1;
        Files.write(flipped, bytes);
        expectedAgain.add("train/5/img-15.png");
        Path partial = dir.resolveSibling(REVISION + ".partial");
        Files.createDirectories(partial);
        Files.write(partial.resolve("3.part"), new byte[]{1, 2, 3});

        requested.clear();
        RepoDownloads.Fetched resumed = RepoDownloads.fetch(client(), LEASE, listing, "dataset", tmp, 8);
        assertEquals(expectedAgain, new HashSet<>(requested));
        assertEquals(expectedAgain.size(), requested.size(), "no file twice");
        assertEquals(expectedAgain.size(), resumed.downloaded());
        assertTrue(Files.exists(dir.resolve(".complete")));
        for (InputFile f : listing.files().subList(1, listing.files().size())) {
            assertArrayEquals(served.get(f.path()), Files.readAllBytes(dir.resolve(f.path())), f.path());
        }
        assertFalse(Files.exists(partial));
    }

    @Test
    void aCorruptedFileIsRefusedByNameAndStopsTheRest(@TempDir Path tmp) throws Exception {
        InputListing listing = dataset(400, 3);
        String bad = "train/2/img-12.png";
        byte[] right = served.get(bad);
        byte[] wrong = right.clone();
        wrong[0] ^= (byte) 0xff; // same size, other bytes: only the hash can tell
        served.put(bad, wrong);
        delayMs = 20;

        IOException e = assertThrows(IOException.class,
                () -> RepoDownloads.fetch(client(), LEASE, listing, "dataset", tmp, 4));
        assertTrue(e.getMessage().startsWith(bad + ": git sha1 mismatch"), e.getMessage());
        Thread.sleep(200); // anything still on its way would arrive by now
        assertTrue(requested.size() < 60, "the other downloads stop once one fails: " + requested.size() + " of 400 requested");
        Path dir = tmp.resolve("datasets/admin_digits/" + REVISION);
        assertFalse(Files.exists(dir.resolve(bad)), "the refused bytes never take the file's name");
        assertFalse(Files.exists(dir.resolve(".complete")));

        // a sha256 mismatch (an LFS file) is named the same way
        String lfs = "train/5/img-25.png";
        byte[] other = served.get(lfs).clone();
        other[other.length - 1] ^= 1;
        served.put(bad, right);
        served.put(lfs, other);
        delayMs = 0;
        IOException e2 = assertThrows(IOException.class,
                () -> RepoDownloads.fetch(client(), LEASE, listing, "dataset", tmp, 4));
        assertTrue(e2.getMessage().startsWith(lfs + ": sha256 mismatch"), e2.getMessage());
    }

    @Test
    void aFileTheHubDoesNotHaveFailsTheFetchWithTheHubsAnswer(@TempDir Path tmp) {
        InputListing listing = dataset(20, 4);
        served.remove("train/3/img-13.png");
        HubClient.HubException e = assertThrows(HubClient.HubException.class,
                () -> RepoDownloads.fetch(client(), LEASE, listing, "dataset", tmp, 4));
        assertEquals(404, e.status());
        assertTrue(e.getMessage().contains("train/3/img-13.png"), e.getMessage());
    }

    @Test
    void anArchiveFetchGetsTheSameBytesAsFileByFileInOneRequest(@TempDir Path tmp) throws Exception {
        InputListing listing = dataset(300, 5);
        // a path longer than tar's 100-character name field travels in a PAX header
        String longPath = "train/9/" + "a-long-folder-name/".repeat(8) + "img.png";
        List<InputFile> files = new ArrayList<>(listing.files());
        files.add(listed(longPath, new byte[]{9, 8, 7}));
        listing = new InputListing(listing.role(), listing.repo(), listing.revision(), files);

        RepoDownloads.Fetched perFile = RepoDownloads.fetch(client(), LEASE, listing, "dataset", tmp.resolve("files"), 8);
        RepoDownloads.Fetched archive = RepoDownloads.fetchArchive(client(), LEASE, listing, "dataset", tmp.resolve("archive"));
        assertEquals(1, archiveRequests.size(), "one stream for the whole input");
        assertEquals(301, archiveRequests.get(0).size(), "every file but .gitattributes asked for");
        assertEquals(perFile.downloaded(), archive.downloaded());
        assertEquals(perFile.bytes(), archive.bytes());
        assertEquals(filesUnder(perFile.dir()), filesUnder(archive.dir()));
        for (InputFile f : files.subList(1, files.size())) {
            assertArrayEquals(served.get(f.path()), Files.readAllBytes(archive.dir().resolve(f.path())), f.path());
        }
        assertFalse(Files.exists(archive.dir().resolveSibling(REVISION + ".partial")), "temporary names are cleaned up");
    }

    @Test
    void aBrokenArchiveStreamIsAskedAgainForTheFilesStillMissingOnly(@TempDir Path tmp) throws Exception {
        InputListing listing = dataset(200, 6);
        // a killed earlier fetch left some files in place: they are verified, not asked for
        Path dir = RepoDownloads.fetchArchive(client(), LEASE, listing, "dataset", tmp).dir();
        Files.delete(dir.resolve(".complete"));
        Set<String> missing = new HashSet<>();
        for (int i = 0; i < 200; i += 3) {
            String path = "train/" + (i % 10) + "/img-" + i + ".png";
            Files.delete(dir.resolve(path));
            missing.add(path);
        }
        archiveRequests.clear();
        cutArchiveAfter.set(20); // the first stream breaks inside its 21st file

        RepoDownloads.Fetched resumed = RepoDownloads.fetchArchive(client(), LEASE, listing, "dataset", tmp);
        assertEquals(2, archiveRequests.size(), "the broken stream, then one for the rest");
        assertEquals(missing, new HashSet<>(archiveRequests.get(0)));
        List<String> second = archiveRequests.get(1);
        assertEquals(archiveRequests.get(0).subList(20, archiveRequests.get(0).size()), second,
                "the second stream starts with the file that broke off: the 20 before it were kept");
        assertEquals(missing.size(), resumed.downloaded());
        assertTrue(Files.exists(dir.resolve(".complete")));
        for (InputFile f : listing.files().subList(1, listing.files().size())) {
            assertArrayEquals(served.get(f.path()), Files.readAllBytes(dir.resolve(f.path())), f.path());
        }
    }

    @Test
    void anArchiveEntryWithOtherBytesIsRefusedByNameWithoutAskingAgain(@TempDir Path tmp) {
        InputListing listing = dataset(50, 7);
        String bad = "train/3/img-13.png";
        byte[] wrong = served.get(bad).clone();
        wrong[1] ^= 1;
        served.put(bad, wrong);
        IOException e = assertThrows(IOException.class,
                () -> RepoDownloads.fetchArchive(client(), LEASE, listing, "dataset", tmp));
        assertTrue(e.getMessage().startsWith(bad + ": git sha1 mismatch"), e.getMessage());
        assertEquals(1, archiveRequests.size(), "wrong bytes are not a broken connection");
        assertFalse(Files.exists(tmp.resolve("datasets/admin_digits/" + REVISION).resolve(bad)));
    }
}
