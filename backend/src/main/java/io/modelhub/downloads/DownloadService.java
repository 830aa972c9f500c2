package io.modelhub.downloads;

import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.RepoFile;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ApiExceptionMapper;
import io.modelhub.platform.DaemonThreads;
import io.modelhub.platform.TransferMeters;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.storage.blobs.BlobStore;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Deque;
import java.util.LinkedList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/** File downloads for the HF API and the UI alike: locate, then stream from the store, never buffering. */
@ApplicationScoped
public class DownloadService {
    private static final int BUFFER = 256 * 1024;
    /** Files up to this size are read ahead whole into memory while the archive stream writes the ones before them. */
    static final long READ_AHEAD_MAX = 1024 * 1024;
    /** Files read ahead at most per archive (so at most 16 MiB held per stream), by {@link #READERS} threads in all. */
    static final int READ_AHEAD = 16;
    static final int READERS = 8;

    /**
     * Store reads of small files for archive streams: each is one store round trip (about a millisecond on loopback,
     * most of it waiting), so 10,000 of them one after the other would be the whole cost of a dataset's fetch.
     */
    private final ExecutorService readers = DaemonThreads.pool("archive-read", READERS);

    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    BlobStore store;
    @Inject
    TransferMeters transfers;

    public record Located(Repo repo, String commitId, RepoFile file) {
    }

    /** Thrown when the repo and revision exist but the file does not: callers still know the commit. */
    public static final class MissingEntry extends ApiException {
        private final String commitId;

        MissingEntry(String path, String commitId) {
            super(404, "EntryNotFound", "Entry not found: " + path);
            this.commitId = commitId;
        }

        public String commitId() {
            return commitId;
        }
    }

    @Transactional
    public Located locate(Viewer viewer, RepoName name, String revision, String path) {
        Repo repo = repos.visible(viewer, name);
        String commitId = commits.resolve(repo, revision);
        RepoFile file = commits.file(commitId, path).orElseThrow(() -> new MissingEntry(path, commitId));
        return new Located(repo, commitId, file);
    }

    /** Copies the whole file or one range to {@code out}; counts a download when the file's first byte is sent. */
    public void stream(Located located, ByteRange range, OutputStream out) throws IOException {
        long offset = range == null ? 0 : range.start();
        long length = range == null ? located.file().size() : range.length();
        // A one-byte probe (the JS client's "Range: bytes=0-0") is not a download.
        if (offset == 0 && (length > 1 || located.file().size() <= 1)) {
            repos.recordDownload(located.repo().id, located.file().path());
        }
        copy(located.file(), range, out, TransferMeters.RESOLVE);
    }

    /** Copies the whole file or one range to {@code out}, counting nothing (a runner fetching a job's inputs). */
    public void copy(RepoFile file, ByteRange range, OutputStream out) throws IOException {
        copy(file, range, out, TransferMeters.RUNNER);
    }

    private void copy(RepoFile file, ByteRange range, OutputStream out, String meteredAs) throws IOException {
        long offset = range == null ? 0 : range.start();
        long length = range == null ? file.size() : range.length();
        if (length == 0) {
            return;
        }
        long started = System.nanoTime();
        long sent = 0;
        try (InputStream in = store.open(file.sha256(), offset, length)) {
            byte[] buffer = new byte[BUFFER];
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                sent += n;
            }
        } finally {
            // a client that hangs up midway is counted with the bytes it got
            transfers.download(meteredAs, sent, System.nanoTime() - started);
        }
    }

    /**
     * A runner's fetch of one file (a job's input, an inference request's model file): 200 with the whole file, 206
     * with the range the Range header asks for, 416 for a range outside it. Counts nothing.
     */
    public Response fileForRunner(RepoFile file, String rangeHeader) {
        Optional<ByteRange> range;
        try {
            range = ByteRange.parse(rangeHeader, file.size());
        } catch (ByteRange.Unsatisfiable e) {
            return Response.fromResponse(ApiExceptionMapper.error(416, "RangeNotSatisfiable", e.getMessage()))
                    .header("Content-Range", "bytes */" + file.size()).build();
        }
        Response.ResponseBuilder r = Response.status(range.isPresent() ? 206 : 200).header("Accept-Ranges", "bytes")
                .header("Content-Length", range.map(ByteRange::length).orElse(file.size()));
        range.ifPresent(br -> r.header("Content-Range", br.contentRange(file.size())));
        ByteRange br = range.orElse(null);
        return r.entity((StreamingOutput) out -> copy(file, br, out, TransferMeters.RUNNER)).build();
    }

    /**
     * A runner's fetch of many files of one input as one POSIX tar stream, in the given order, each entry named by
     * its path in the repository. The runner checks every entry against the listing's hashes, as it does single files.
     * Small files are read from the store ahead of the one being written, so the stream does not wait a round trip
     * per file.
     */
    public Response archiveForRunner(List<RepoFile> files) {
        return Response.ok((StreamingOutput) out -> writeArchive(files, out), RunnerProtocol.ARCHIVE_TYPE).build();
    }

    private void writeArchive(List<RepoFile> files, OutputStream out) throws IOException {
        // one element per file handed on, null for a large file that streams in its turn (ArrayDeque refuses null)
        Deque<Future<byte[]>> ahead = new LinkedList<>();
        int next = 0; // the first file not yet handed to a reader
        try {
            BufferedOutputStream buffered = new BufferedOutputStream(out, BUFFER);
            TarArchiveOutputStream tar = new TarArchiveOutputStream(buffered, StandardCharsets.UTF_8.name());
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (int i = 0; i < files.size(); i++) {
                // keep up to READ_AHEAD small files in flight from i on; a large file waits for its turn and streams
                while (next < files.size() && next - i < READ_AHEAD) {
                    RepoFile f = files.get(next);
                    if (f.size() > READ_AHEAD_MAX && next > i) {
                        break;
                    }
                    ahead.add(f.size() > READ_AHEAD_MAX ? null : readers.submit(() -> readWhole(f)));
                    next++;
                }
                RepoFile file = files.get(i);
                Future<byte[]> read = ahead.poll();
                TarArchiveEntry entry = new TarArchiveEntry(file.path(), true);
                entry.setSize(file.size());
                tar.putArchiveEntry(entry);
                if (read == null) {
                    copy(file, null, tar, TransferMeters.RUNNER);
                } else {
                    tar.write(await(read));
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
            // the tar stream's own flush stops at its block writer: the last files would stay in this buffer
            buffered.flush();
        } finally {
            // a runner that hung up: what was read ahead for it is dropped
            ahead.forEach(f -> {
                if (f != null) {
                    f.cancel(true);
                }
            });
        }
    }

    private byte[] readWhole(RepoFile file) throws IOException {
        long started = System.nanoTime();
        byte[] bytes;
        if (file.size() == 0) {
            bytes = new byte[0];
        } else {
            try (InputStream in = store.open(file.sha256(), 0, file.size())) {
                bytes = in.readNBytes((int) file.size());
            }
        }
        if (bytes.length != file.size()) {
            throw new IOException("The store gave " + bytes.length + " of the " + file.size() + " bytes of " + file.path());
        }
        transfers.download(TransferMeters.RUNNER, bytes.length, System.nanoTime() - started);
        return bytes;
    }

    private static byte[] await(Future<byte[]> read) throws IOException {
        try {
            return read.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while reading ahead");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof UncheckedIOException unchecked) {
                throw unchecked.getCause();
            }
            throw new IOException(e.getCause());
        }
    }

    @PreDestroy
    void stopReaders() {
        readers.shutdownNow();
    }
}
