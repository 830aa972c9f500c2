package io.modelhub.storage.blobs;

import io.minio.BucketExistsArgs;
import io.minio.CopyObjectArgs;
import io.minio.CopySource;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.http.Method;
import io.minio.messages.Item;
import io.minio.messages.ListMultipartUploadsResult;
import io.minio.messages.Part;
import io.minio.messages.Upload;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BlobStore} on any S3-compatible server, through the MinIO client.
 *
 * <p>Layout in the bucket: {@code blobs/<sha256[0:2]>/<sha256>} for content, {@code staging/<uuid>} for uploads
 * whose hash is not yet known or not yet checked. S3 has no rename, so a staged object becomes a blob by a
 * server-side copy. MinIO turns a copy of a source over 5 GiB into a multipart UploadPartCopy, which S3 and
 * S3Proxy support, so there is no size limit below S3's 5 TiB.
 * Uploads whose bytes the caller hashes as they pass go multipart straight to {@code blobs/...} and are completed
 * only once checked, so they need no copy.
 *
 * <p>The constructor creates the bucket when it is missing ({@link #ensureBucket()}), so a new store is usable at
 * once and fails early when the server is unreachable or the credentials are wrong.
 *
 * <p>Thread-safe; one instance per bucket is meant to be shared.
 */
public final class S3BlobStore implements BlobStore {

    private static final Logger log = LoggerFactory.getLogger(S3BlobStore.class);

    /** Part size of the blobs that {@link #put} streams in. */
    static final long PART_SIZE = 16L << 20;
    /**
     * Blobs up to this size are hashed in memory and written straight to their content address: one PUT (after a
     * HEAD) instead of a staging PUT, a copy and a delete, which is what thousands of small files in one commit cost.
     */
    static final int SMALL_BLOB = 1 << 20;

    private static final String BLOBS = "blobs/";
    private static final String STAGING = "staging/";
    private static final Pattern STAGING_KEY =
            Pattern.compile("staging/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern BLOB_KEY = Pattern.compile("blobs/([0-9a-f]{2})/(\\1[0-9a-f]{62})");
    /** Parts are copied to the store in large writes: per-write overhead, not the bytes, limits a 2-core box. */
    private static final int PART_BUFFER = 1 << 20;
    /** The hub's own part requests use their presigned URL at once. */
    private static final Duration PART_URL_TTL = Duration.ofHours(1);
    /** SigV4 presigned URLs cannot live longer. */
    private static final Duration MAX_TTL = Duration.ofDays(7);
    private static final Set<String> NOT_FOUND = Set.of("NoSuchKey", "NoSuchObject", "NotFound");

    private final MinioAsyncClient s3;
    /** Signs the URLs handed to clients; the same client as {@link #s3} unless they reach the store elsewhere. */
    private final MinioAsyncClient publicSigner;
    private final String bucket;
    private final String region;

    public S3BlobStore(BlobStoreConfig config) {
        this.bucket = config.bucket();
        this.region = config.region();
        // With the region given, the client never asks the server for it, and presigning stays offline.
        this.s3 = MinioAsyncClient.builder()
                .endpoint(config.endpoint())
                .credentials(config.accessKey(), config.secretKey())
                .region(region)
                .build();
        // signing needs no connection (the region is given), so this client never talks to the public address
        this.publicSigner = config.publicEndpoint() == null ? s3 : MinioAsyncClient.builder()
                .endpoint(config.publicEndpoint())
                .credentials(config.accessKey(), config.secretKey())
                .region(region)
                .build();
        ensureBucket();
    }

    /** Creates the bucket unless it exists; safe to call concurrently from several processes. */
    public void ensureBucket() {
        unchecked(() -> {
            if (!await(() -> s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()))) {
                try {
                    await(() -> s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build()));
                } catch (IOException e) {
                    if (!"BucketAlreadyOwnedByYou".equals(s3Code(e))) {
                        throw e;
                    }
                }
            }
            return null;
        });
    }

    @Override
    public StoredBlob put(InputStream in, long size) throws IOException {
        if (size < 0) {
            return putSpooled(in);
        }
        if (size <= SMALL_BLOB) {
            return putSmall(in, (int) size);
        }
        // Parts streamed with putPart, not MinIO's putObject, which buffers each part and computes its MD5 and
        // SHA-256 for the signature: a third and fourth pass over bytes already hashed here.
        String staging = newStagingKey();
        String uploadId = startMultipart(staging);
        boolean joined = false;
        try {
            HashingInputStream hashing = new HashingInputStream(in, size);
            List<Part> parts = new ArrayList<>();
            for (long from = 0; from < size; from += PART_SIZE) {
                int n = parts.size() + 1;
                try {
                    parts.add(new Part(n, quoted(putPart(staging, uploadId, n, hashing, Math.min(PART_SIZE, size - from)))));
                } catch (IOException e) {
                    throw new IOException("storing " + size + " declared bytes failed after " + hashing.count()
                            + " were read: " + e.getMessage(), e);
                }
            }
            StoredBlob blob = hashing.storedBlob();
            if (in.read() >= 0) {
                throw new IOException("stream yielded more than the " + size + " declared bytes");
            }
            String etag = await(() -> s3.completeMultipartUploadAsync(
                    bucket, region, staging, uploadId, parts.toArray(Part[]::new), null, null)).etag();
            joined = true;
            promote(staging, etag, blob.sha256());
            return blob;
        } finally {
            if (!joined) {
                try {
                    abort(staging, uploadId);
                } catch (IOException e) {
                    // deleteStaleStaging sweeps it up later
                    log.warn("could not abort the upload to {} in {}: {}", staging, bucket, e.getMessage());
                }
            }
            deleteQuietly(staging);
        }
    }

    /**
     * A small blob whose bytes are hashed here before anything is written, so it can go to its content address at
     * once: S3 PUTs are atomic, so no half-written object is ever visible under that key.
     */
    private StoredBlob putSmall(InputStream in, int size) throws IOException {
        byte[] bytes = in.readNBytes(size);
        if (bytes.length == size && in.read() >= 0) {
            throw new IOException("stream yielded more than the " + size + " declared bytes");
        }
        HashingInputStream hashing = new HashingInputStream(new ByteArrayInputStream(bytes), size);
        hashing.transferTo(OutputStream.nullOutputStream());
        StoredBlob blob = hashing.storedBlob();
        String key = blobKey(blob.sha256());
        if (stat(key).isEmpty()) {
            await(() -> s3.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                    .stream(new ByteArrayInputStream(bytes), size, -1).build()));
        }
        return blob;
    }

    private StoredBlob putSpooled(InputStream in) throws IOException {
        Path spool = Files.createTempFile("modelhub-blob-", ".spool");
        try {
            try (OutputStream out = Files.newOutputStream(spool)) {
                in.transferTo(out);
            }
            try (InputStream spooled = Files.newInputStream(spool)) {
                return put(spooled, Files.size(spool));
            }
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    /**
     * Copies a staged object to its content address unless the blob is already there. The ETag pins the copy to
     * the version that was hashed, in case a client overwrites its staging key through a still-valid URL. It is
     * sent quoted: for sources over 5 GiB MinIO copies part by part and would otherwise send the bare ETag that
     * it got from a HEAD, which S3Proxy's UploadPartCopy rejects as a failed precondition.
     */
    private void promote(String stagingKey, String etag, String sha256) throws IOException {
        String key = blobKey(sha256);
        if (stat(key).isPresent()) {
            return;
        }
        await(() -> s3.copyObject(CopyObjectArgs.builder().bucket(bucket).object(key)
                .source(CopySource.builder().bucket(bucket).object(stagingKey).matchETag(quoted(etag)).build())
                .build()));
    }

    @Override
    public boolean exists(String sha256) {
        String key = blobKey(sha256);
        return unchecked(() -> stat(key).isPresent());
    }

    @Override
    public long size(String sha256) {
        String key = blobKey(sha256);
        return unchecked(() -> stat(key)).orElseThrow(() -> new BlobNotFoundException(sha256)).size();
    }

    @Override
    public InputStream open(String sha256, long offset, long length) throws IOException {
        if (offset < 0 || length < -1) {
            throw new IllegalArgumentException("bad range: offset " + offset + ", length " + length);
        }
        String key = blobKey(sha256);
        if (length == 0) {
            // S3 has no empty byte range
            if (stat(key).isEmpty()) {
                throw new BlobNotFoundException(sha256);
            }
            return InputStream.nullInputStream();
        }
        // A presigned GET read in large blocks: the MinIO client's stream (okio) hands out at most 8 KiB per read, and
        // that per-read cost, not the bytes, is what limited downloads through the hub.
        HttpURLConnection http = (HttpURLConnection) URI.create(presignWith(s3, Method.GET, key, PART_URL_TTL, Map.of()))
                .toURL().openConnection();
        http.setConnectTimeout(30_000);
        // no Range header for a whole read: "bytes=0-" is unsatisfiable on an empty object
        if (offset > 0 || length > 0) {
            http.setRequestProperty("Range", "bytes=" + offset + "-" + (length < 0 ? "" : Long.toString(offset + length - 1)));
        }
        int status = http.getResponseCode();
        if (status == 200 || status == 206) {
            return http.getInputStream();
        }
        String body;
        try (InputStream err = http.getErrorStream()) {
            body = err == null ? "" : new String(err.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
        }
        if (status == 404) {
            throw new BlobNotFoundException(sha256);
        }
        throw new IOException("S3 GET of " + key + " answered " + status + ": " + body);
    }

    @Override
    public String presignedGetUrl(String sha256, Duration ttl) {
        return presign(Method.GET, blobKey(sha256), ttl, Map.of());
    }

    @Override
    public void delete(String sha256) {
        String key = blobKey(sha256);
        unchecked(() -> remove(key));
    }

    @Override
    public void forEachBlob(Consumer<BlobListing> consumer) {
        forEachObject(BLOBS, item -> {
            String name = item.objectName();
            String sha256 = name.substring(name.lastIndexOf('/') + 1);
            if (StoredBlob.isSha256(sha256) && name.equals(blobKey(sha256))) {
                consumer.accept(new BlobListing(sha256, item.size(), item.lastModified().toInstant()));
            }
        });
    }

    @Override
    public int deleteStaleStaging(Duration olderThan) {
        Instant cutoff = Instant.now().minus(olderThan);
        // collected first: deleting while a listing pages on would move the ground under its marker
        List<String> staleObjects = new ArrayList<>();
        forEachObject(STAGING, item -> {
            if (!item.lastModified().toInstant().isAfter(cutoff)) {
                staleObjects.add(item.objectName());
            }
        });
        List<Upload> staleUploads = unchecked(() -> multipartUploads(STAGING)).stream()
                .filter(u -> !u.initiated().toInstant().isAfter(cutoff))
                .toList();
        unchecked(() -> {
            for (String key : staleObjects) {
                remove(key);
            }
            for (Upload upload : staleUploads) {
                abort(upload.objectName(), upload.uploadId());
            }
            return null;
        });
        int removed = staleObjects.size() + staleUploads.size();
        if (removed > 0) {
            log.info("removed {} stale staged objects and {} abandoned multipart uploads from {}",
                    staleObjects.size(), staleUploads.size(), bucket);
        }
        return removed;
    }

    @Override
    public String newStagingKey() {
        return stagingKey(UUID.randomUUID());
    }

    @Override
    public String stagingKey(UUID id) {
        return STAGING + id;
    }

    @Override
    public String blobUploadKey(String sha256) {
        return blobKey(sha256);
    }

    @Override
    public String presignedPutUrl(String stagingKey, Duration ttl) {
        return presign(Method.PUT, requireStagingKey(stagingKey), ttl, Map.of());
    }

    @Override
    public StoredBlob adoptStaged(String stagingKey, String expectedSha256, long expectedSize) throws IOException {
        if (!StoredBlob.isSha256(expectedSha256)) {
            throw new IllegalArgumentException("not a lowercase hex sha256: " + expectedSha256);
        }
        if (stagingKey.equals(blobKey(expectedSha256))) {
            return checkInPlace(expectedSha256, expectedSize);
        }
        requireStagingKey(stagingKey);
        StatObjectResponse staged = stat(stagingKey)
                .orElseThrow(() -> new FileNotFoundException("nothing was uploaded to " + stagingKey));
        if (staged.size() != expectedSize) {
            deleteQuietly(stagingKey);
            throw new BlobIntegrityException(stagingKey, "size",
                    Long.toString(expectedSize), Long.toString(staged.size()));
        }
        StoredBlob blob;
        try (InputStream raw = await(() -> s3.getObject(GetObjectArgs.builder()
                .bucket(bucket).object(stagingKey).matchETag(quoted(staged.etag())).build()));
                HashingInputStream hashing = new HashingInputStream(raw, expectedSize)) {
            hashing.transferTo(OutputStream.nullOutputStream());
            blob = hashing.storedBlob();
        }
        if (!blob.sha256().equals(expectedSha256)) {
            deleteQuietly(stagingKey);
            throw new BlobIntegrityException(stagingKey, "sha256", expectedSha256, blob.sha256());
        }
        promote(stagingKey, staged.etag(), blob.sha256());
        deleteQuietly(stagingKey);
        return blob;
    }

    /**
     * An upload that was completed at its content address without being hashed on the way (its parts did not pass
     * in order): read back once; if it is not what was announced it is removed, unless it changed meanwhile, i.e.
     * another upload wrote the checked bytes over it.
     */
    private StoredBlob checkInPlace(String sha256, long expectedSize) throws IOException {
        String key = blobKey(sha256);
        StatObjectResponse stored = stat(key).orElseThrow(() -> new FileNotFoundException("nothing was uploaded to " + key));
        StoredBlob blob = null;
        if (stored.size() == expectedSize) {
            try (InputStream raw = await(() -> s3.getObject(GetObjectArgs.builder()
                    .bucket(bucket).object(key).matchETag(quoted(stored.etag())).build()));
                    HashingInputStream hashing = new HashingInputStream(raw, expectedSize)) {
                hashing.transferTo(OutputStream.nullOutputStream());
                blob = hashing.storedBlob();
            }
        }
        if (blob == null || !blob.sha256().equals(sha256)) {
            if (stat(key).map(now -> now.etag().equals(stored.etag())).orElse(false)) {
                deleteQuietly(key);
            }
            throw blob == null
                    ? new BlobIntegrityException(key, "size", Long.toString(expectedSize), Long.toString(stored.size()))
                    : new BlobIntegrityException(key, "sha256", sha256, blob.sha256());
        }
        return blob;
    }

    @Override
    public String startMultipart(String key) {
        requireUploadKey(key);
        return unchecked(() -> await(() -> s3.createMultipartUploadAsync(bucket, region, key, null, null)))
                .result().uploadId();
    }

    /**
     * Streamed over a presigned UploadPart URL with an unsigned payload: the MinIO client would first buffer the
     * whole part in memory and compute its MD5 and SHA-256 for the signature, which halves the throughput here.
     */
    @Override
    public String putPart(String key, String uploadId, int partNumber, InputStream in, long length) throws IOException {
        requireUploadKey(key);
        if (partNumber < 1 || partNumber > 10_000) {
            throw new IllegalArgumentException("part number " + partNumber + " is outside 1..10000");
        }
        String url = presignWith(s3, Method.PUT, key, PART_URL_TTL,
                Map.of("uploadId", uploadId, "partNumber", Integer.toString(partNumber)));
        HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
        try {
            http.setRequestMethod("PUT");
            http.setDoOutput(true);
            http.setFixedLengthStreamingMode(length);
            http.setConnectTimeout(30_000);
            long sent = 0;
            try (OutputStream out = http.getOutputStream()) {
                byte[] buffer = new byte[(int) Math.min(PART_BUFFER, Math.max(length, 1))];
                while (sent < length) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, length - sent));
                    if (n < 0) {
                        throw new IOException("part " + partNumber + " ended after " + sent + " of its " + length + " bytes");
                    }
                    out.write(buffer, 0, n);
                    sent += n;
                }
            }
            int status = http.getResponseCode();
            String etag = http.getHeaderField("ETag");
            if (status / 100 != 2 || etag == null || etag.isBlank()) {
                String body;
                try (InputStream err = http.getErrorStream()) {
                    body = err == null ? "" : new String(err.readNBytes(4096), java.nio.charset.StandardCharsets.UTF_8);
                }
                throw new IOException("the store refused part " + partNumber + " of " + key + " (" + status + "): " + body);
            }
            return etag;
        } catch (IOException e) {
            // a half-sent request must not go back to the keep-alive pool
            http.disconnect();
            throw e;
        }
    }

    @Override
    public String presignedPartUrl(String stagingKey, String uploadId, int partNumber, Duration ttl) {
        if (partNumber < 1 || partNumber > 10_000) {
            throw new IllegalArgumentException("part number " + partNumber + " is outside 1..10000");
        }
        // uploadId and partNumber are part of the signed query, so a client cannot retarget the URL
        return presign(Method.PUT, requireStagingKey(stagingKey), ttl,
                Map.of("uploadId", uploadId, "partNumber", Integer.toString(partNumber)));
    }

    @Override
    public void completeMultipart(String stagingKey, String uploadId, List<CompletedPart> parts) {
        requireUploadKey(stagingKey);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("a multipart upload needs at least one part");
        }
        Part[] sorted = parts.stream()
                .sorted(Comparator.comparingInt(CompletedPart::partNumber))
                .map(p -> new Part(p.partNumber(), quoted(p.etag())))
                .toArray(Part[]::new);
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i].partNumber() == sorted[i - 1].partNumber()) {
                throw new IllegalArgumentException("part " + sorted[i].partNumber() + " is listed twice");
            }
        }
        unchecked(() -> await(() -> s3.completeMultipartUploadAsync(
                bucket, region, stagingKey, uploadId, sorted, null, null)));
    }

    @Override
    public void abortMultipart(String stagingKey, String uploadId) {
        requireUploadKey(stagingKey);
        unchecked(() -> {
            abort(stagingKey, uploadId);
            return null;
        });
    }

    @Override
    public void close() {
        try {
            if (publicSigner != s3) {
                publicSigner.close();
            }
            s3.close();
        } catch (Exception e) {
            log.warn("closing the S3 client failed", e);
        }
    }

    @Override
    public String toString() {
        return "S3BlobStore[" + bucket + "]";
    }

    static String blobKey(String sha256) {
        if (!StoredBlob.isSha256(sha256)) {
            throw new IllegalArgumentException("not a lowercase hex sha256: " + sha256);
        }
        return BLOBS + sha256.substring(0, 2) + "/" + sha256;
    }

    private static String requireStagingKey(String key) {
        // staging keys travel through clients; only ours may reach S3, never e.g. a blob key
        if (key == null || !STAGING_KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("not a staging key: " + key);
        }
        return key;
    }

    /** Multipart uploads go to staging keys or, hashed on the way, straight to a blob's content address. */
    private static String requireUploadKey(String key) {
        if (key == null || !(STAGING_KEY.matcher(key).matches() || BLOB_KEY.matcher(key).matches())) {
            throw new IllegalArgumentException("not a staging key nor a blob upload key: " + key);
        }
        return key;
    }

    private static String quoted(String etag) {
        String bare = etag.strip();
        if (bare.length() >= 2 && bare.startsWith("\"") && bare.endsWith("\"")) {
            bare = bare.substring(1, bare.length() - 1);
        }
        return "\"" + bare + "\"";
    }

    private Optional<StatObjectResponse> stat(String key) throws IOException {
        try {
            return Optional.of(await(() -> s3.statObject(StatObjectArgs.builder().bucket(bucket).object(key).build())));
        } catch (IOException e) {
            if (isNotFound(e)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private Void remove(String key) throws IOException {
        return await(() -> s3.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build()));
    }

    private void deleteQuietly(String key) {
        try {
            remove(key);
        } catch (IOException e) {
            // deleteStaleStaging sweeps it up later
            log.warn("could not delete {} from {}: {}", key, bucket, e.getMessage());
        }
    }

    private void abort(String key, String uploadId) throws IOException {
        try {
            await(() -> s3.abortMultipartUploadAsync(bucket, region, key, uploadId, null, null));
        } catch (IOException e) {
            if (!"NoSuchUpload".equals(s3Code(e))) {
                throw e;
            }
        }
    }

    /** Streams the listing page by page, so that millions of blobs never sit in memory together. */
    private void forEachObject(String prefix, Consumer<Item> consumer) {
        for (Result<Item> result : s3.listObjects(
                ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
            Item item = unchecked(() -> {
                try {
                    return result.get();
                } catch (Exception e) {
                    throw toIo(e);
                }
            });
            if (!item.isDir()) {
                consumer.accept(item);
            }
        }
    }

    private List<Upload> multipartUploads(String prefix) throws IOException {
        List<Upload> uploads = new ArrayList<>();
        String keyMarker = null;
        String uploadIdMarker = null;
        while (true) {
            String km = keyMarker;
            String um = uploadIdMarker;
            ListMultipartUploadsResult page = await(() -> s3.listMultipartUploadsAsync(
                    bucket, region, null, null, km, null, prefix, um, null, null)).result();
            uploads.addAll(page.uploads());
            if (!page.isTruncated()) {
                return uploads;
            }
            keyMarker = page.nextKeyMarker();
            uploadIdMarker = page.nextUploadIdMarker();
        }
    }

    private String presign(Method method, String key, Duration ttl, Map<String, String> query) {
        return presignWith(publicSigner, method, key, ttl, query);
    }

    private String presignWith(MinioAsyncClient signer, Method method, String key, Duration ttl,
                               Map<String, String> query) {
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("presigned URL lifetime " + ttl + " is outside (0, 7 days]");
        }
        return unchecked(() -> {
            try {
                return signer.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder()
                        .method(method).bucket(bucket).object(key)
                        .expiry((int) ttl.toSeconds(), TimeUnit.SECONDS)
                        .extraQueryParams(query)
                        .build());
            } catch (Exception e) {
                throw toIo(e);
            }
        });
    }

    @FunctionalInterface
    private interface S3Call<T> {
        CompletableFuture<T> start() throws Exception;
    }

    @FunctionalInterface
    private interface IoAction<T> {
        T run() throws IOException;
    }

    private static <T> T await(S3Call<T> call) throws IOException {
        try {
            return call.start().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for S3");
        } catch (ExecutionException e) {
            throw toIo(e.getCause());
        } catch (Exception e) {
            throw toIo(e);
        }
    }

    private static <T> T unchecked(IoAction<T> action) {
        try {
            return action.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    private static IOException toIo(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof ErrorResponseException er) {
            var body = er.errorResponse();
            return new IOException("S3 " + body.code() + ": " + body.message()
                    + (body.objectName() == null ? "" : " (" + body.objectName() + ")"), er);
        }
        return new IOException(cause.toString(), cause);
    }

    private static String s3Code(IOException e) {
        return e.getCause() instanceof ErrorResponseException er ? er.errorResponse().code() : null;
    }

    private static boolean isNotFound(IOException e) {
        return NOT_FOUND.contains(s3Code(e));
    }
}
