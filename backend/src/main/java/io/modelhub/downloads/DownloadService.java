package io.modelhub.downloads;

import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.RepoFile;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ApiExceptionMapper;
import io.modelhub.platform.TransferMeters;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.storage.blobs.BlobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/** File downloads for the HF API and the UI alike: locate, then stream from the store, never buffering. */
@ApplicationScoped
public class DownloadService {
    private static final int BUFFER = 256 * 1024;

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
}
