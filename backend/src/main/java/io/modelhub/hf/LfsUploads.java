package io.modelhub.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.accounts.Viewer;
import io.modelhub.commits.BlobClaims;
import io.modelhub.commits.CommitService;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ClusterLocks;
import io.modelhub.platform.ModelHubConfig;
import io.modelhub.storage.blobs.BlobIntegrityException;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.blobs.CompletedPart;
import io.modelhub.storage.blobs.StoredBlob;
import jakarta.enterprise.context.ApplicationScoped;
import io.modelhub.platform.TransferMeters;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.FileNotFoundException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The LFS side of uploads: answers batch requests with self-authorising upload URLs, receives the bytes sent to
 * hub-signed URLs, and turns finished uploads into blobs only after checking their sha256 and size, so a commit
 * can never refer to content that is not what its oid says.
 *
 * <p>By default every URL points at the hub, which streams the bytes on to the store (the embedded store listens
 * on 127.0.0.1 only), hashing multipart uploads' parts in order on the way (see {@link PartDigests}). With modelhub.lfs.direct-upload, clients get presigned store URLs and the hub only sees the
 * completion (multipart) or verify (single PUT) call.
 */
@ApplicationScoped
public class LfsUploads {
    private static final Logger LOG = Logger.getLogger(LfsUploads.class);
    static final long MIN_PART = 5L * 1024 * 1024;
    static final int MAX_PARTS = 10_000;

    @Inject
    TransferMeters transfers;
    @Inject
    BlobStore store;
    @Inject
    PartDigests digests;
    @Inject
    CommitService commits;
    @Inject
    BlobClaims claims;
    @Inject
    ModelHubConfig config;
    @Inject
    ClusterLocks cluster;

    private volatile byte[] secret;

    /**
     * One object of a batch answer: nothing to do (already stored and the viewer may reference it: it is then
     * claimed for the viewer's commit), an error, or upload actions: {@code xetUpload} when the answer's transfer
     * is xet (the bytes then reach the hub as xorbs, and the object becomes a blob when its shard is registered).
     */
    Map<String, Object> batchObject(Viewer viewer, String base, String oid, long size, boolean multipartOffered,
                                    Map<String, Object> xetUpload) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("oid", oid);
        o.put("size", size);
        if (!StoredBlob.isSha256(oid)) {
            o.put("error", Map.of("code", 422, "message", "oid must be a sha256: 64 lowercase hex digits"));
            return o;
        }
        if (size < 0) {
            o.put("error", Map.of("code", 422, "message", "size must not be negative"));
            return o;
        }
        long max = config.upload().maxFileBytes();
        if (size > max) {
            o.put("error", Map.of("code", 422, "message", "File is " + size + " bytes; the limit is " + max + " bytes"));
            return o;
        }
        if (claims.mayReference(viewer, oid) && commits.touchBlob(oid).filter(b -> b.size() == size).isPresent()) {
            claims.claim(oid, BlobClaims.account(viewer));
            return o;
        }
        if (xetUpload != null) {
            o.put("actions", Map.of("upload", xetUpload));
            return o;
        }
        long account = BlobClaims.account(viewer);
        boolean direct = config.lfs().directUpload();
        long expires = Instant.now().plus(config.lfs().urlTtl()).getEpochSecond();
        String id = UUID.randomUUID().toString();
        long chunk = chunkSize(size);
        // Direct uploads go multipart whenever they can: its completion call is how the hub learns of the upload.
        boolean multipart = multipartOffered && size > 0 && (direct || size > chunk);
        Map<String, Object> upload = new LinkedHashMap<>();
        if (multipart) {
            // Parts that pass through the hub are hashed on the way and can go straight to the content address; not
            // over a blob already there, which a completion that could not be hashed in order would overwrite.
            boolean inPlace = !direct && !store.exists(oid);
            String key = inPlace ? store.blobUploadKey(oid) : store.stagingKey(UUID.fromString(id));
            String uploadId = store.startMultipart(key);
            LfsTicket t = new LfsTicket(id, oid, size, chunk, uploadId, expires, account, inPlace);
            String query = t.query(secret());
            Map<String, String> header = new LinkedHashMap<>();
            header.put("chunk_size", Long.toString(chunk));
            for (int n = 1; n <= t.parts(); n++) {
                header.put(Integer.toString(n), direct
                        ? store.presignedPartUrl(key, uploadId, n, config.lfs().urlTtl())
                        : base + "/api/lfs/uploads/" + id + "/part/" + n + "?" + query);
            }
            upload.put("href", base + "/api/lfs/uploads/" + id + "/complete?" + query);
            upload.put("header", header);
            o.put("actions", Map.of("upload", upload));
        } else if (direct) {
            LfsTicket t = new LfsTicket(id, oid, size, 0, "", expires, account, false);
            upload.put("href", store.presignedPutUrl(key(t), config.lfs().urlTtl()));
            // the store tells the hub nothing: the client's verify call is where the upload is checked
            o.put("actions", Map.of("upload", upload,
                    "verify", Map.of("href", base + "/api/lfs/uploads/" + id + "/verify?" + t.query(secret()))));
        } else {
            LfsTicket t = new LfsTicket(id, oid, size, 0, "", expires, account, false);
            upload.put("href", base + "/api/lfs/uploads/" + id + "?" + t.query(secret()));
            o.put("actions", Map.of("upload", upload));
        }
        o.put("authenticated", true);
        return o;
    }

    /** Parts as large as configured, but never under S3's 5 MiB minimum nor more than S3's 10,000 parts. */
    long chunkSize(long size) {
        long chunk = Math.max(config.lfs().chunkSize(), MIN_PART);
        long forLimit = (size + MAX_PARTS - 1) / MAX_PARTS;
        if (forLimit > chunk) {
            chunk = ((forLimit + (1 << 20) - 1) >> 20) << 20;
        }
        return chunk;
    }

    LfsTicket ticket(String id, String oid, String size, String chunk, String uploadId, String expires, String account,
                     String to, String signature) {
        return LfsTicket.verify(secret(), id, oid, size, chunk, uploadId, expires, account, to, signature);
    }

    /** Where the store holds the ticket's upload until it is a blob (the store's key, never built here). */
    private String key(LfsTicket t) {
        return t.inPlace() ? store.blobUploadKey(t.oid()) : store.stagingKey(UUID.fromString(t.id()));
    }

    /** A single PUT to a hub URL: stored while hashing, kept only if it is what the ticket names. */
    StoredBlob putWhole(LfsTicket t, InputStream body) {
        if (t.chunk() != 0) {
            throw ApiException.badRequest("This URL is for a multipart upload; PUT its parts");
        }
        StoredBlob blob;
        long started = System.nanoTime();
        try {
            blob = store.put(body, t.size());
        } catch (IOException e) {
            throw new ApiException(400, "BadUpload", "The upload is not the announced " + t.size() + " bytes: " + e.getMessage());
        }
        if (!blob.sha256().equals(t.oid())) {
            // stored under its true content address and unreferenced: the blob collector removes it
            throw new ApiException(400, "BadUpload", "The uploaded bytes hash to " + blob.sha256() + ", not " + t.oid());
        }
        transfers.upload(TransferMeters.LFS, blob.size(), System.nanoTime() - started);
        commits.registerBlob(blob);
        claims.claim(blob.sha256(), t.account());
        return blob;
    }

    /**
     * One part PUT to a hub URL, hashed in order with the upload's other parts (see {@link PartDigests}) while it is
     * streamed on to the store's multipart upload; returns the store's ETag.
     */
    String putPart(LfsTicket t, int partNumber, InputStream body) {
        if (t.chunk() == 0 || partNumber < 1 || partNumber > t.parts()) {
            throw ApiException.badRequest("Part " + partNumber + " is not one of the " + t.parts() + " parts of this upload");
        }
        long length = t.partLength(partNumber);
        PartDigests.Upload running = digests.of(t);
        PartDigests.Digests d;
        try {
            d = running.turn(partNumber);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running.failed(partNumber);
            throw new ApiException(503, null, "Interrupted while part " + partNumber + " waited for the part before it");
        }
        ExactInputStream exact = new ExactInputStream(body, length);
        String etag;
        try {
            etag = store.putPart(key(t), t.uploadId(), partNumber, running.hashing(exact, d), length);
        } catch (IOException e) {
            running.failed(partNumber);
            LOG.debugf("Storing part %d of upload %s failed: %s", partNumber, t.id(), e.getMessage());
            throw new ApiException(400, "BadUpload", "Part " + partNumber + " must be exactly " + length + " bytes ("
                    + exact.count() + " read): " + e.getMessage());
        }
        if (exact.hasMore()) {
            running.failed(partNumber);
            throw new ApiException(400, "BadUpload", "Part " + partNumber + " is longer than its " + length + " bytes");
        }
        running.passed(partNumber, d);
        return etag;
    }

    /**
     * The multipart completion call. Parts hashed in order on their way through the hub are checked before they are
     * joined, straight at the content address: nothing is read back or copied. Otherwise (direct uploads, parts that
     * could not be hashed in order) the parts are joined, then read back to check sha256 and size before the blob is
     * recorded.
     */
    StoredBlob complete(LfsTicket t, JsonNode body) {
        if (t.chunk() == 0) {
            throw ApiException.badRequest("This URL is not for a multipart upload");
        }
        String oid = body == null ? null : body.path("oid").asText(null);
        if (oid != null && !oid.equals(t.oid())) {
            throw ApiException.badRequest("The completion names oid " + oid + ", the upload is for " + t.oid());
        }
        String key = key(t);
        var retried = alreadyDone(t);
        if (retried.isPresent()) {
            store.abortMultipart(key, t.uploadId());
            return retried.get();
        }
        List<CompletedPart> parts = new ArrayList<>();
        boolean[] seen = new boolean[t.parts() + 1];
        for (JsonNode p : body == null ? List.<JsonNode>of() : iterable(body.path("parts"))) {
            int n = p.path("partNumber").asInt(-1);
            String etag = p.path("etag").asText("");
            if (n < 1 || n > t.parts() || seen[n] || etag.isBlank()) {
                throw ApiException.badRequest("Invalid part list: part numbers 1.." + t.parts() + ", each once with its etag");
            }
            seen[n] = true;
            parts.add(new CompletedPart(n, etag));
        }
        if (parts.size() != t.parts()) {
            throw ApiException.badRequest("Expected " + t.parts() + " parts, got " + parts.size());
        }
        try {
            Optional<StoredBlob> hashed = digests.finished(t);
            if (hashed.isPresent()) {
                return completeHashed(t, key, parts, hashed.get());
            }
            if (t.inPlace() && store.exists(t.oid())) {
                // stored meanwhile by another upload, and these bytes are unchecked: joining them would overwrite it
                store.abortMultipart(key, t.uploadId());
                throw new ApiException(409, "UploadAgain", "The parts of this upload could not be hashed in order and "
                        + t.oid() + " was stored meanwhile; ask the batch API again and upload it again");
            }
            join(t, key, parts);
            return adopt(t);
        } finally {
            digests.forget(t);
        }
    }

    private StoredBlob completeHashed(LfsTicket t, String key, List<CompletedPart> parts, StoredBlob blob) {
        if (!blob.sha256().equals(t.oid())) {
            store.abortMultipart(key, t.uploadId());
            throw new ApiException(400, "BadUpload", "The uploaded bytes hash to " + blob.sha256() + ", not " + t.oid());
        }
        if (store.exists(t.oid())) {
            // the same bytes as the stored blob: joining them would only write it again
            store.abortMultipart(key, t.uploadId());
        } else {
            join(t, key, parts);
            if (!t.inPlace()) {
                // staged because the blob was stored at batch time, and collected since: the staged copy replaces it
                return adopt(t);
            }
        }
        commits.registerBlob(blob);
        claims.claim(blob.sha256(), t.account());
        return blob;
    }

    private void join(LfsTicket t, String key, List<CompletedPart> parts) {
        try {
            store.completeMultipart(key, t.uploadId(), parts);
        } catch (RuntimeException e) {
            store.abortMultipart(key, t.uploadId());
            throw new ApiException(400, "BadUpload", "The parts could not be joined: " + e.getMessage());
        }
    }

    /**
     * The verify call after a direct single PUT to the store. The staged bytes are checked even when the object
     * exists, unless the same account's earlier call did (a retry).
     */
    StoredBlob verify(LfsTicket t) {
        return alreadyDone(t).orElseGet(() -> adopt(t));
    }

    /**
     * A retried completion or verify: the ticket's account already has a pending upload of the object (its first
     * call checked the bytes), so the answer is the stored blob. Anyone else's URL for a stored object proves
     * nothing until its own bytes are checked.
     */
    private java.util.Optional<StoredBlob> alreadyDone(LfsTicket t) {
        if (!claims.claimedBy(t.oid(), t.account())) {
            return java.util.Optional.empty();
        }
        return commits.touchBlob(t.oid()).filter(b -> b.size() == t.size());
    }

    private StoredBlob adopt(LfsTicket t) {
        try {
            long started = System.nanoTime();
            StoredBlob blob = store.adoptStaged(key(t), t.oid(), t.size());
            // the client sent the bytes to the store directly: the time is the hub's check of them, not the transfer
            transfers.upload(TransferMeters.LFS_STORE, blob.size(), System.nanoTime() - started);
            commits.registerBlob(blob);
            claims.claim(blob.sha256(), t.account());
            return blob;
        } catch (BlobIntegrityException e) {
            throw new ApiException(400, "BadUpload", "The uploaded object is not what was announced: " + e.getMessage());
        } catch (FileNotFoundException e) {
            throw new ApiException(404, "EntryNotFound", "Nothing was uploaded for " + t.oid());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Iterable<JsonNode> iterable(JsonNode array) {
        return array::elements;
    }

    /**
     * The key of hub-signed URLs: configured, or made once and kept in the database, so that every hub instance on it
     * verifies what any of them signed (a client's batch call and its PUTs may reach different instances).
     */
    byte[] secret() {
        byte[] s = secret;
        if (s == null) {
            synchronized (this) {
                if (secret == null) {
                    secret = loadSecret();
                }
                s = secret;
            }
        }
        return s;
    }

    private byte[] loadSecret() {
        if (config.lfs().signingSecret().isPresent()) {
            return config.lfs().signingSecret().get().getBytes(StandardCharsets.UTF_8);
        }
        // A hub that kept its key in the data folder (before it was kept in the database) offers that key, so the
        // upload URLs it handed out stay valid across the upgrade; otherwise a new one.
        Path file = Path.of(config.data()).resolve("lfs-signing-secret");
        String candidate;
        try {
            if (Files.exists(file)) {
                candidate = Files.readString(file, StandardCharsets.UTF_8).trim();
            } else {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                candidate = HexFormat.of().formatHex(random);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the LFS signing secret kept in " + file, e);
        }
        return cluster.sharedSecret("lfs-signing", candidate).getBytes(StandardCharsets.UTF_8);
    }

    /** Yields at most {@code length} bytes and remembers whether the client sent more. */
    static final class ExactInputStream extends FilterInputStream {
        private long remaining;
        private long count;

        ExactInputStream(InputStream in, long length) {
            super(in);
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                remaining--;
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (remaining == 0) {
                return -1;
            }
            int n = super.read(buf, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
                count += n;
            }
            return n;
        }

        @Override
        public void close() {
            // the request body belongs to the HTTP layer
        }

        long count() {
            return count;
        }

        boolean hasMore() {
            try {
                return in.read() >= 0;
            } catch (IOException e) {
                return false;
            }
        }
    }
}
