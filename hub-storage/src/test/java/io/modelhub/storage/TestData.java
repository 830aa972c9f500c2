package io.modelhub.storage;

import io.modelhub.storage.blobs.GitOids;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Deterministic pseudo-random content of any length, generated as it is read so that large blobs never sit in
 * memory, and readable from any offset so that ranged reads can be checked.
 */
public final class TestData {

    private TestData() {
    }

    public static InputStream stream(long seed, long size) {
        return stream(seed, 0, size);
    }

    /** Bytes {@code [offset, offset + length)} of the content for {@code seed}. */
    public static InputStream stream(long seed, long offset, long length) {
        return new InputStream() {
            private long pos = offset;
            private final long end = offset + length;

            @Override
            public int read() {
                return pos < end ? byteAt(seed, pos++) & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= end) {
                    return -1;
                }
                int n = (int) Math.min(len, end - pos);
                for (int i = 0; i < n; i++) {
                    b[off + i] = byteAt(seed, pos++);
                }
                return n;
            }
        };
    }

    public static byte[] bytes(long seed, long offset, int length) {
        try {
            return stream(seed, offset, length).readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(long seed, long size) {
        return sha256(stream(seed, size));
    }

    /** Reads the stream to the end and closes it. */
    public static String sha256(InputStream in) {
        try (in) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                md.update(buf, 0, n);
            }
            return GitOids.hex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte byteAt(long seed, long pos) {
        long x = seed * 0x9E3779B97F4A7C15L + (pos >>> 3);
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        x ^= x >>> 31;
        return (byte) (x >>> ((pos & 7) << 3));
    }
}
