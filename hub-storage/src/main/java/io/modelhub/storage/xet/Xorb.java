package io.modelhub.storage.xet;

import net.jpountz.lz4.LZ4FrameInputStream;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The layout of a serialized xorb (xet-core spec/xorb.md): chunks one after the other, each an 8-byte header
 * (version 0, compressed size u24 LE, scheme, uncompressed size u24 LE) then its data, LZ4-framed or
 * byte-grouped-then-LZ4 or raw. The Rust client appends a footer (CasObjectInfo) after the last chunk; it is kept
 * but not needed here, since the hub keeps its own chunk index.
 */
public final class Xorb {
    public static final int HEADER = 8;
    /** The protocol's cap on a serialized xorb. */
    public static final int MAX_BYTES = 64 * 1024 * 1024;
    /** A chunk is at most 128 KiB before compression (the chunker's maximum). */
    public static final int MAX_CHUNK = 128 * 1024;
    static final int NONE = 0, LZ4 = 1, BG4_LZ4 = 2;

    /** One chunk of a xorb: where its header starts, its sizes, its scheme and the hash of its uncompressed bytes. */
    public record Chunk(int offset, int packedLength, int scheme, int length, XetHash hash) {
        /** Bytes of the serialized chunk, header included. */
        public int end() {
            return offset + HEADER + packedLength;
        }
    }

    private Xorb() {
    }

    /** Thrown for bytes that are not a xorb; the message says what is wrong. */
    public static final class InvalidXorbException extends Exception {
        public InvalidXorbException(String message) {
            super(message);
        }
    }

    /**
     * Reads every chunk of a serialized xorb, decompresses it and hashes it. Stops at the first header that is not a
     * version-0 chunk header (the Rust client's footer) and requires at least one chunk.
     */
    public static List<Chunk> index(byte[] xorb, int length) throws InvalidXorbException {
        List<Chunk> chunks = new ArrayList<>();
        int at = 0;
        while (at + HEADER <= length) {
            int version = xorb[at] & 0xff;
            int packed = u24(xorb, at + 1);
            int scheme = xorb[at + 4] & 0xff;
            int size = u24(xorb, at + 5);
            if (version != 0 || scheme > BG4_LZ4 || packed == 0 || size == 0 || size > MAX_CHUNK
                    || at + HEADER + packed > length) {
                if (chunks.isEmpty()) {
                    throw new InvalidXorbException("the xorb's first chunk header at byte 0 is invalid");
                }
                break;
            }
            byte[] data = decode(xorb, at + HEADER, packed, scheme, size);
            chunks.add(new Chunk(at, packed, scheme, size, XetHashes.chunkHash(data, 0, size)));
            at += HEADER + packed;
        }
        if (chunks.isEmpty()) {
            throw new InvalidXorbException("the xorb holds no chunk");
        }
        return chunks;
    }

    /** The uncompressed bytes of the chunk whose header starts at {@code offset} in {@code buf}. */
    public static byte[] decodeAt(byte[] buf, int offset) throws InvalidXorbException {
        if (offset + HEADER > buf.length || buf[offset] != 0) {
            throw new InvalidXorbException("no chunk header at byte " + offset);
        }
        int packed = u24(buf, offset + 1);
        if (offset + HEADER + packed > buf.length) {
            throw new InvalidXorbException("the chunk at byte " + offset + " runs past the end");
        }
        return decode(buf, offset + HEADER, packed, buf[offset + 4] & 0xff, u24(buf, offset + 5));
    }

    static byte[] decode(byte[] buf, int offset, int packed, int scheme, int size) throws InvalidXorbException {
        byte[] out;
        switch (scheme) {
            case NONE -> {
                if (packed != size) {
                    throw new InvalidXorbException("an uncompressed chunk of " + size + " bytes is stored in " + packed);
                }
                out = new byte[size];
                System.arraycopy(buf, offset, out, 0, size);
                return out;
            }
            case LZ4 -> out = lz4(buf, offset, packed, size);
            case BG4_LZ4 -> out = ungroup(lz4(buf, offset, packed, size));
            default -> throw new InvalidXorbException("unknown chunk compression scheme " + scheme);
        }
        return out;
    }

    private static byte[] lz4(byte[] buf, int offset, int packed, int size) throws InvalidXorbException {
        byte[] out = new byte[size];
        try (InputStream in = new LZ4FrameInputStream(new ByteArrayInputStream(buf, offset, packed))) {
            int n = in.readNBytes(out, 0, size);
            if (n != size || in.read() != -1) {
                throw new InvalidXorbException("an LZ4 chunk does not decompress to its " + size + " bytes");
            }
        } catch (IOException | RuntimeException e) {
            throw new InvalidXorbException("an LZ4 chunk does not decompress: " + e.getMessage());
        }
        return out;
    }

    /** Undoes byte grouping: the data is 4 groups (byte 0, 1, 2, 3 of every 4), the first n % 4 groups one longer. */
    static byte[] ungroup(byte[] grouped) {
        int n = grouped.length;
        byte[] out = new byte[n];
        int base = n / 4;
        int rem = n % 4;
        int start = 0;
        for (int g = 0; g < 4; g++) {
            int len = base + (g < rem ? 1 : 0);
            for (int i = 0; i < len; i++) {
                out[4 * i + g] = grouped[start + i];
            }
            start += len;
        }
        return out;
    }

    static int u24(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16;
    }
}
