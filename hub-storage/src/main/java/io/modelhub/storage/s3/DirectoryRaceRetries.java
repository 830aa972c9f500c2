package io.modelhub.storage.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.function.Supplier;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * Retries the writes that S3Proxy's filesystem store loses to its own directory clean-up.
 * <p>
 * That store keeps each key as a file under directories named by the key's slashes, and a delete removes the parent
 * directories it leaves empty (gaul/s3proxy#490). A put into the same directory at that moment creates the
 * directory, then fails to open its temporary file there with {@link NoSuchFileException}: the S3 client sees an
 * InternalError. With thousands of small uploads (an imagefolder pushed with {@code upload_folder}) every file is a
 * staging put and a staging delete, so the {@code staging/} directory keeps emptying and such failures come every
 * few thousand files. The failure happens before the store reads any byte of the body, so the write can simply be
 * tried again; one that fails after reading bytes, or for another reason, is passed on as it is. A copy reads
 * nothing from the request, so it is retried the same way.
 */
final class DirectoryRaceRetries extends ForwardingBlobStore {

    /** Each retry needs the directory to vanish again in a window of microseconds: a few tries are plenty. */
    static final int ATTEMPTS = 5;

    DirectoryRaceRetries(BlobStore delegate) {
        super(delegate);
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream in) {
        CountingInputStream counted = new CountingInputStream(in);
        return retried(counted, () -> super.putBlob(request, counted));
    }

    @Override
    public UploadPartResponse uploadMultipartPart(MultipartUpload upload, UploadPartRequest request, InputStream in) {
        CountingInputStream counted = new CountingInputStream(in);
        return retried(counted, () -> super.uploadMultipartPart(upload, request, counted));
    }

    @Override
    public CopyObjectResponse copyBlob(CopyObjectRequest request) {
        return retried(null, () -> super.copyBlob(request));
    }

    private static <T> T retried(CountingInputStream body, Supplier<T> write) {
        for (int attempt = 1; ; attempt++) {
            try {
                return write.get();
            } catch (RuntimeException e) {
                boolean untouched = body == null || body.count == 0;
                if (attempt == ATTEMPTS || !untouched || !lostDirectory(e)) {
                    throw e;
                }
            }
        }
    }

    static boolean lostDirectory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoSuchFileException) {
                return true;
            }
        }
        return false;
    }

    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }
}
