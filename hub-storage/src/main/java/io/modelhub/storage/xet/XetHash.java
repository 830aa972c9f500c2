package io.modelhub.storage.xet;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A 32-byte Xet hash (chunk, xorb, file or verification hash). Its string form is the spec's, not plain hex: each
 * 8-byte group is read as a little-endian u64 and printed as 16 hex digits (xet-core spec/api.md, "Converting
 * hashes to strings"). Clients put that form in URLs and in the {@code "{hash} : {length}"} lines of Merkle nodes,
 * so getting the byte order wrong changes every xorb and file hash.
 */
public final class XetHash {
    private static final Pattern HEX64 = Pattern.compile("^[0-9a-f]{64}$");
    public static final XetHash ZERO = new XetHash(new byte[32]);

    private final byte[] raw;

    private XetHash(byte[] raw) {
        this.raw = raw;
    }

    /** The hash of its 32 raw bytes (copied). */
    public static XetHash ofRaw(byte[] raw) {
        return ofRaw(raw, 0);
    }

    public static XetHash ofRaw(byte[] buf, int offset) {
        if (buf.length - offset < 32) {
            throw new IllegalArgumentException("a Xet hash is 32 bytes");
        }
        return new XetHash(Arrays.copyOfRange(buf, offset, offset + 32));
    }

    public static boolean isHashString(String s) {
        return s != null && HEX64.matcher(s).matches();
    }

    /** Parses the spec's string form (64 lowercase hex digits). */
    public static XetHash parse(String s) {
        if (!isHashString(s)) {
            throw new IllegalArgumentException("not a Xet hash (64 lowercase hex digits): " + s);
        }
        byte[] raw = new byte[32];
        for (int group = 0; group < 4; group++) {
            for (int i = 0; i < 8; i++) {
                int hexAt = group * 16 + (7 - i) * 2;
                raw[group * 8 + i] = (byte) Integer.parseInt(s.substring(hexAt, hexAt + 2), 16);
            }
        }
        return new XetHash(raw);
    }

    public byte[] raw() {
        return raw.clone();
    }

    /** Writes the raw bytes (the order shards and verification inputs use) into {@code buf} at {@code offset}. */
    public void writeTo(byte[] buf, int offset) {
        System.arraycopy(raw, 0, buf, offset, 32);
    }

    /** The low byte of the last little-endian u64: what Rust's {@code hash % n} looks at for small powers of two. */
    int lastU64LowByte() {
        return raw[24] & 0xff;
    }

    /** The last u64 of the hash, little-endian, as Rust's {@code MerkleHash % u64} reads it. */
    long lastU64() {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (raw[24 + i] & 0xff);
        }
        return v;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(64);
        for (int group = 0; group < 4; group++) {
            for (int i = 7; i >= 0; i--) {
                int b = raw[group * 8 + i] & 0xff;
                sb.append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xf, 16));
            }
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XetHash other && Arrays.equals(raw, other.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }
}
