package io.modelhub.storage.xet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The shard format (xet-core spec/shard.md) on both of the hub's sides: reading the file reconstructions a client
 * registers with {@code POST /v1/shards}, and writing the xorb listings that answer a global-dedup query.
 *
 * <pre>
 * header   magic (32) | version u64 = 2 | footer size u64
 * files    per file: hash | flags u32 | n u32 | reserved 8, then n terms (xorb hash | flags u32 | unpacked u32 |
 *          chunk start u32 | chunk end u32), then n verification entries (hash | 16 reserved) if flagged, then
 *          the metadata extension (sha256 | 16 reserved) if flagged; a bookend (32 x 0xff, 16 x 0) closes the list
 * xorbs    per xorb: hash | flags u32 | n u32 | unpacked u32 | packed u32, then n chunks (hash | unpacked start u32 |
 *          length u32 | reserved 8); a bookend closes the list
 * footer   (200 bytes) version u64 = 1 | file, xorb offsets | lookup tables' offsets and counts | chunk HMAC key |
 *          timestamps | sizes | footer offset
 * </pre>
 * Every number is little-endian; hashes are raw bytes.
 */
public final class Shard {
    static final byte[] MAGIC = {'H', 'F', 'R', 'e', 'p', 'o', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 0, 85, 105, 103,
            69, 106, 123, (byte) 129, 87, (byte) 131, (byte) 165, (byte) 189, (byte) 217, 92, (byte) 205, (byte) 209, 74,
            (byte) 169};
    static final int HEADER = 48, FOOTER = 200, ENTRY = 48;
    static final long FLAG_VERIFICATION = 0x80000000L, FLAG_METADATA_EXT = 0x40000000L;

    /** One term of a file's reconstruction: chunks [start, end) of a xorb, {@code length} bytes uncompressed. */
    public record Term(XetHash xorb, long length, int start, int end, XetHash verification) {
    }

    /** A file registered by a shard; {@code sha256} is the metadata extension's value when the client sent one. */
    public record FileInfo(XetHash hash, List<Term> terms, Optional<XetHash> sha256) {
        public long size() {
            return terms.stream().mapToLong(Term::length).sum();
        }
    }

    /** One xorb of a dedup answer: its hash and its chunks (hash, uncompressed length) in order. */
    public record XorbListing(XetHash hash, List<XetHashes.Node> chunks, long packedBytes) {
    }

    /** Thrown for bytes that are not a well-formed shard; the message says where. */
    public static final class InvalidShardException extends Exception {
        public InvalidShardException(String message) {
            super(message);
        }
    }

    private Shard() {
    }

    /** The files a shard registers (its xorb section only lists xorbs the hub has indexed on their upload). */
    public static List<FileInfo> files(byte[] shard) throws InvalidShardException {
        if (shard.length < HEADER + FOOTER || !Arrays.equals(Arrays.copyOf(shard, 32), MAGIC)) {
            throw new InvalidShardException("not a shard: the magic tag is missing");
        }
        ByteBuffer b = ByteBuffer.wrap(shard).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getLong(32) != 2) {
            throw new InvalidShardException("shard header version " + b.getLong(32) + " is not 2");
        }
        long footerSize = b.getLong(40);
        if (footerSize < FOOTER || footerSize > shard.length - HEADER) {
            throw new InvalidShardException("the footer size " + footerSize + " does not fit the shard");
        }
        int footer = (int) (shard.length - footerSize);
        long fileOffset = b.getLong(footer + 8);
        if (b.getLong(footer) != 1 || fileOffset < HEADER || fileOffset > footer) {
            throw new InvalidShardException("the shard footer is invalid");
        }
        List<FileInfo> files = new ArrayList<>();
        int at = (int) fileOffset;
        while (true) {
            need(at + ENTRY <= footer, at);
            if (isBookend(shard, at)) {
                return files;
            }
            XetHash hash = XetHash.ofRaw(shard, at);
            long flags = Integer.toUnsignedLong(b.getInt(at + 32));
            long n = Integer.toUnsignedLong(b.getInt(at + 36));
            at += ENTRY;
            need(n > 0 && at + n * ENTRY <= footer, at);
            List<XetHash> xorbs = new ArrayList<>();
            List<long[]> ranges = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                xorbs.add(XetHash.ofRaw(shard, at));
                ranges.add(new long[]{Integer.toUnsignedLong(b.getInt(at + 36)), Integer.toUnsignedLong(b.getInt(at + 40)),
                        Integer.toUnsignedLong(b.getInt(at + 44))});
                at += ENTRY;
            }
            List<XetHash> verification = new ArrayList<>();
            if ((flags & FLAG_VERIFICATION) != 0) {
                need(at + n * ENTRY <= footer, at);
                for (int i = 0; i < n; i++) {
                    verification.add(XetHash.ofRaw(shard, at));
                    at += ENTRY;
                }
            }
            Optional<XetHash> sha256 = Optional.empty();
            if ((flags & FLAG_METADATA_EXT) != 0) {
                need(at + ENTRY <= footer, at);
                sha256 = Optional.of(XetHash.ofRaw(shard, at));
                at += ENTRY;
            }
            List<Term> terms = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long[] r = ranges.get(i);
                if (r[1] >= r[2] || r[2] > Integer.MAX_VALUE) {
                    throw new InvalidShardException("file " + hash + " has an empty or reversed chunk range");
                }
                terms.add(new Term(xorbs.get(i), r[0], (int) r[1], (int) r[2],
                        verification.isEmpty() ? null : verification.get(i)));
            }
            files.add(new FileInfo(hash, terms, sha256));
        }
    }

    /**
     * A shard holding only a xorb section: the answer to a global-dedup query. Chunk hashes are keyed with
     * {@code hmacKey} (stored in the footer), so the answer only helps a client that already has the chunks' bytes:
     * it cannot learn the plain hashes a shard upload's verification entries need.
     */
    public static byte[] dedupAnswer(List<XorbListing> xorbs, byte[] hmacKey, long createdEpochSeconds) {
        int xorbBytes = 0;
        for (XorbListing x : xorbs) {
            xorbBytes += ENTRY * (1 + x.chunks().size());
        }
        int fileSection = HEADER;
        int xorbSection = fileSection + ENTRY;
        int footer = xorbSection + xorbBytes + ENTRY;
        ByteBuffer b = ByteBuffer.allocate(footer + FOOTER).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putLong(2).putLong(FOOTER);
        bookend(b);
        long unpacked = 0;
        long packed = 0;
        byte[] raw = new byte[32];
        for (XorbListing x : xorbs) {
            x.hash().writeTo(raw, 0);
            long xorbUnpacked = x.chunks().stream().mapToLong(XetHashes.Node::length).sum();
            b.put(raw).putInt(0).putInt(x.chunks().size()).putInt((int) xorbUnpacked).putInt((int) x.packedBytes());
            long start = 0;
            for (XetHashes.Node c : x.chunks()) {
                XetHashes.hmac(c.hash(), hmacKey).writeTo(raw, 0);
                b.put(raw).putInt((int) start).putInt((int) c.length()).putLong(0);
                start += c.length();
            }
            unpacked += xorbUnpacked;
            packed += x.packedBytes();
        }
        bookend(b);
        // the lookup tables are empty: they start (and end) at the footer, which is where readers stop the xorb list
        b.putLong(1).putLong(fileSection).putLong(xorbSection)
                .putLong(footer).putLong(0).putLong(footer).putLong(0).putLong(footer).putLong(0);
        b.put(hmacKey).putLong(createdEpochSeconds).putLong(0);
        b.put(new byte[48]);
        b.putLong(packed).putLong(unpacked).putLong(unpacked).putLong(footer);
        return b.array();
    }

    private static void bookend(ByteBuffer b) {
        for (int i = 0; i < 32; i++) {
            b.put((byte) 0xff);
        }
        b.put(new byte[16]);
    }

    private static boolean isBookend(byte[] shard, int at) {
        for (int i = 0; i < 32; i++) {
            if (shard[at + i] != (byte) 0xff) {
                return false;
            }
        }
        return true;
    }

    private static void need(boolean ok, int at) throws InvalidShardException {
        if (!ok) {
            throw new InvalidShardException("the shard's file section is truncated at byte " + at);
        }
    }
}
