package io.modelhub.storage.blobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Content-addressed blob storage: a blob lives under its sha256 and is stored once, however often it is put.
 *
 * <p>Methods that declare no {@link IOException} report storage failures as {@link UncheckedIOException}.
 *
 * <p>Uploads that bypass the server (git-lfs / Hugging Face clients) go to a <em>staging key</em> from
 * {@link #newStagingKey()}, through a presigned PUT or a presigned multipart upload, and become blobs only through
 * {@link #adoptStaged}, which checks that the bytes are what the client announced.
 *
 * <p>Uploads whose bytes pass through the caller, which hashes them on the way, can go multipart straight to the
 * content address ({@link #blobUploadKey}): nothing is copied once they are checked.
 *
 * <p>Object keys are the store's business: callers only pass on the keys that {@link #newStagingKey()},
 * {@link #stagingKey(UUID)} and {@link #blobUploadKey(String)} hand out.
 */
public interface BlobStore extends AutoCloseable {

    /**
     * Streams {@code in} into the store, hashing on the way; the stream is not closed.
     *
     * @param size the exact byte count, or -1 when unknown (the bytes are then spooled to a temporary file first,
     *             since git's blob id needs the length before the content)
     * @throws IOException if the stream yields a different number of bytes than {@code size}, or the store fails;
     *                     nothing is left behind either way
     */
    StoredBlob put(InputStream in, long size) throws IOException;

    boolean exists(String sha256);

    /** @throws BlobNotFoundException if the store has no such blob */
    long size(String sha256);

    /**
     * Reads {@code length} bytes from {@code offset}, streaming; -1 reads to the end.
     *
     * @throws BlobNotFoundException if the store has no such blob
     */
    InputStream open(String sha256, long offset, long length) throws IOException;

    /**
     * A URL anyone can GET the blob from until {@code ttl} has passed; it honours {@code Range}. Presigned URLs are
     * signed for the address clients reach the store at, which the configuration may set apart from the hub's.
     */
    String presignedGetUrl(String sha256, Duration ttl);

    /** Removes the blob; removing a missing blob is not an error. */
    void delete(String sha256);

    /**
     * Every stored blob, in sha256 order, for garbage collection. The listing is fetched page by page while the
     * consumer runs, and the consumer may delete the blob it is handed.
     */
    void forEachBlob(Consumer<BlobListing> consumer);

    /**
     * Discards what crashed or abandoned uploads left behind: staged objects, and multipart uploads to staging
     * keys, that are at least {@code olderThan} old.
     *
     * @return how many objects and multipart uploads were removed
     */
    int deleteStaleStaging(Duration olderThan);

    /** A fresh staging key. */
    String newStagingKey();

    /** The staging key of the upload that the caller calls {@code id}: the same id always gives the same key. */
    String stagingKey(UUID id);

    /**
     * The key of a multipart upload straight to the content address of {@code sha256}, for bytes that the caller
     * hashes as they pass ({@link #putPart}). Completing it makes the blob visible at once, so complete it only once
     * the bytes are checked; otherwise {@link #adoptStaged} on this key reads it back first, and removes it if it is
     * not {@code sha256}. Staging-only operations (presigned PUT and part URLs) refuse this key.
     */
    String blobUploadKey(String sha256);

    /** A URL that accepts one PUT of the whole content to {@code stagingKey} until {@code ttl} has passed. */
    String presignedPutUrl(String stagingKey, Duration ttl);

    /**
     * Turns a staged upload into a blob: reads it once to check its sha256 and size and to compute its git sha1,
     * then moves it under its content address (or drops it if that blob already exists). On a {@link #blobUploadKey}
     * the object is already there: it is only read and checked, and removed if it is not what was announced.
     *
     * @throws BlobIntegrityException if the bytes do not match; the staged object is deleted
     * @throws java.io.FileNotFoundException if nothing was uploaded to {@code stagingKey}
     */
    StoredBlob adoptStaged(String stagingKey, String expectedSha256, long expectedSize) throws IOException;

    /** Starts a multipart upload to a staging key or a {@link #blobUploadKey} and returns its upload id. */
    String startMultipart(String key);

    /**
     * Streams exactly {@code length} bytes of {@code in} into part {@code partNumber} (1-based) of a multipart upload
     * and returns the part's ETag; sending a part number again replaces that part. The stream is not closed.
     *
     * @throws IOException if the stream ends early, or the store refuses the part; the part is then not stored
     */
    String putPart(String key, String uploadId, int partNumber, InputStream in, long length) throws IOException;

    /**
     * A URL that accepts one PUT of part {@code partNumber} (1-based) until {@code ttl} has passed; its response
     * carries the part's {@code ETag}. Every part but the last must be at least 5 MiB.
     */
    String presignedPartUrl(String stagingKey, String uploadId, int partNumber, Duration ttl);

    /**
     * Joins the parts into the object at {@code key}; then call {@link #adoptStaged} unless the caller has already
     * checked the bytes of an upload to a {@link #blobUploadKey}.
     */
    void completeMultipart(String key, String uploadId, List<CompletedPart> parts);

    /** Discards a multipart upload and its parts; aborting an unknown or finished upload is not an error. */
    void abortMultipart(String key, String uploadId);

    @Override
    void close();
}
