package io.modelhub.storage.xet;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.http.Method;
import io.minio.messages.Item;
import io.modelhub.storage.blobs.BlobStoreConfig;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@link CasStore} on an S3 bucket through the MinIO client, beside the blobs of
 * {@link io.modelhub.storage.blobs.S3BlobStore} in the same bucket: {@code xet/xorbs/<hash>}, {@code xet/shards/<hash>}.
 */
public final class S3CasStore implements CasStore {
    private static final Set<String> NOT_FOUND = Set.of("NoSuchKey", "NoSuchObject", "NotFound");
    private static final Duration MAX_TTL = Duration.ofDays(7);

    private final MinioAsyncClient s3;
    private final String bucket;

    public S3CasStore(BlobStoreConfig config) {
        this.bucket = config.bucket();
        this.s3 = MinioAsyncClient.builder().endpoint(config.endpoint())
                .credentials(config.accessKey(), config.secretKey()).region(config.region()).build();
        try {
            if (!s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()).get()) {
                s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build()).get();
            }
        } catch (Exception e) {
            // the blob store creates the same bucket; a race between the two is harmless
            if (!"BucketAlreadyOwnedByYou".equals(code(e))) {
                throw new IllegalStateException("Cannot reach bucket " + bucket + ": " + e.getMessage(), e);
            }
        }
    }

    static String key(Kind kind, XetHash hash) {
        return (kind == Kind.XORB ? "xet/xorbs/" : "xet/shards/") + hash;
    }

    @Override
    public boolean put(Kind kind, XetHash hash, byte[] bytes, int length) throws IOException {
        if (exists(kind, hash)) {
            return false;
        }
        call(() -> s3.putObject(PutObjectArgs.builder().bucket(bucket).object(key(kind, hash))
                .stream(new ByteArrayInputStream(bytes, 0, length), length, -1)
                .contentType("application/octet-stream").build()).get());
        return true;
    }

    @Override
    public boolean exists(Kind kind, XetHash hash) {
        try {
            call(() -> s3.statObject(StatObjectArgs.builder().bucket(bucket).object(key(kind, hash)).build()).get());
            return true;
        } catch (FileNotFoundException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public InputStream open(Kind kind, XetHash hash, long offset, long length) throws IOException {
        return call(() -> s3.getObject(GetObjectArgs.builder().bucket(bucket).object(key(kind, hash))
                .offset(offset).length(length).build()).get());
    }

    @Override
    public String presignedGetUrl(Kind kind, XetHash hash, Duration ttl) {
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("presigned URL lifetime " + ttl + " is outside (0, 7 days]");
        }
        try {
            return s3.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Method.GET).bucket(bucket)
                    .object(key(kind, hash)).expiry((int) ttl.toSeconds(), TimeUnit.SECONDS).build());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot presign " + key(kind, hash) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(Kind kind, XetHash hash) {
        try {
            call(() -> s3.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key(kind, hash)).build()).get());
        } catch (FileNotFoundException e) {
            // already gone
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void forEach(Kind kind, Consumer<StoredObject> consumer) {
        String prefix = kind == Kind.XORB ? "xet/xorbs/" : "xet/shards/";
        for (Result<Item> r : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
            Item item;
            try {
                item = r.get();
            } catch (Exception e) {
                throw new IllegalStateException("Listing " + prefix + " failed: " + e.getMessage(), e);
            }
            String name = item.objectName().substring(prefix.length());
            if (!item.isDir() && XetHash.isHashString(name)) {
                consumer.accept(new StoredObject(XetHash.parse(name), item.size(),
                        item.lastModified() == null ? null : item.lastModified().toInstant()));
            }
        }
    }

    @Override
    public void close() {
        try {
            s3.close();
        } catch (Exception e) {
            // closing the HTTP pool; nothing left to lose
        }
    }

    @Override
    public String toString() {
        return "S3CasStore[" + bucket + "]";
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws Exception;
    }

    private static <T> T call(Call<T> c) throws IOException {
        try {
            return c.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (Exception e) {
            String code = code(e);
            if (code != null && NOT_FOUND.contains(code)) {
                throw new FileNotFoundException(e.getMessage());
            }
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw cause instanceof IOException io ? io : new IOException(cause.getMessage(), cause);
        }
    }

    private static String code(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ErrorResponseException er && er.errorResponse() != null) {
                return er.errorResponse().code();
            }
        }
        return null;
    }
}
