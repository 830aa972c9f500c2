package io.modelhub.storage.blobs;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/**
 * Passes bytes through while computing their sha256, their count and, when the length is known before the first
 * byte (git's object header carries it), their git blob sha1. The digest accessors may be called at any time and
 * describe the bytes read so far.
 */
public final class HashingInputStream extends FilterInputStream {

    private final MessageDigest sha256 = GitOids.digest("SHA-256");
    private final MessageDigest gitSha1;
    private final long declaredSize;
    private long count;

    /** Hashes sha256 and counts; no git sha1, since the length is not known up-front. */
    public HashingInputStream(InputStream in) {
        super(in);
        this.declaredSize = -1;
        this.gitSha1 = null;
    }

    /** Also computes the git blob sha1, for content that is announced to be {@code declaredSize} bytes long. */
    public HashingInputStream(InputStream in, long declaredSize) {
        super(in);
        if (declaredSize < 0) {
            throw new IllegalArgumentException("declared size must be known, got " + declaredSize);
        }
        this.declaredSize = declaredSize;
        this.gitSha1 = GitOids.digest("SHA-1");
        gitSha1.update(GitOids.blobHeader(declaredSize));
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            sha256.update((byte) b);
            if (gitSha1 != null) {
                gitSha1.update((byte) b);
            }
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = in.read(buf, off, len);
        if (n > 0) {
            sha256.update(buf, off, n);
            if (gitSha1 != null) {
                gitSha1.update(buf, off, n);
            }
            count += n;
        }
        return n;
    }

    /** Skipped bytes are read, so that they are hashed too. */
    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 8192)];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
        // a rewind would feed the same bytes to the digests twice
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset is not supported while hashing");
    }

    public long count() {
        return count;
    }

    public String sha256Hex() {
        return snapshot(sha256);
    }

    /**
     * The git blob sha1 of the bytes read, valid once exactly the declared size has been read.
     *
     * @throws IllegalStateException without a declared size, or before the declared size has been read
     */
    public String gitSha1Hex() {
        if (gitSha1 == null) {
            throw new IllegalStateException("git sha1 needs the size up-front");
        }
        if (count != declaredSize) {
            throw new IllegalStateException("read " + count + " of " + declaredSize + " declared bytes");
        }
        return snapshot(gitSha1);
    }

    /**
     * What was read, as a blob.
     *
     * @throws IOException if the stream did not yield the declared size (read it to the end first)
     */
    public StoredBlob storedBlob() throws IOException {
        if (gitSha1 == null) {
            throw new IllegalStateException("git sha1 needs the size up-front");
        }
        if (count != declaredSize) {
            throw new IOException("stream yielded " + count + " bytes but " + declaredSize + " were declared");
        }
        return new StoredBlob(sha256Hex(), gitSha1Hex(), count);
    }

    private static String snapshot(MessageDigest running) {
        try {
            return GitOids.hex(((MessageDigest) running.clone()).digest());
        } catch (CloneNotSupportedException e) {
            // the JDK's SHA implementations are cloneable
            throw new IllegalStateException(e);
        }
    }
}
