package io.modelhub.storage.xet;

import org.apache.commons.codec.digest.Blake3;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The hash functions of the Xet protocol (xet-core spec/hashing.md), computed exactly as the clients compute them,
 * so the hub can check what it is sent: chunk hashes (BLAKE3 keyed with DATA_KEY), xorb hashes (the root of a
 * Merkle tree whose nodes hash {@code "{hash} : {length}\n"} lines with INTERNAL_NODE_KEY), file hashes (the same
 * root re-hashed with a zero key) and term verification hashes.
 */
public final class XetHashes {
    static final byte[] DATA_KEY = bytes(102, 151, 245, 119, 91, 149, 80, 222, 49, 53, 203, 172, 165, 151, 24, 28,
            157, 228, 33, 16, 155, 235, 43, 88, 180, 208, 176, 75, 147, 173, 242, 41);
    static final byte[] INTERNAL_NODE_KEY = bytes(1, 126, 197, 199, 165, 71, 41, 150, 253, 148, 102, 102, 180, 138, 2,
            230, 93, 221, 83, 111, 55, 199, 109, 210, 248, 99, 82, 230, 74, 83, 113, 63);
    static final byte[] VERIFICATION_KEY = bytes(127, 24, 87, 214, 206, 86, 237, 102, 18, 127, 249, 19, 231, 165, 195,
            243, 164, 205, 38, 213, 181, 219, 73, 230, 65, 36, 152, 127, 40, 251, 148, 195);
    /** Mean branching of the Merkle tree: a node closes on a child whose hash is 0 mod 4 (3 to 9 children). */
    private static final int MEAN_BRANCHING = 4;

    /** A leaf or inner node of the Merkle tree: a hash and the bytes under it. */
    public record Node(XetHash hash, long length) {
    }

    private XetHashes() {
    }

    public static XetHash chunkHash(byte[] data, int offset, int length) {
        Blake3 b = Blake3.initKeyedHash(DATA_KEY);
        b.update(data, offset, length);
        return XetHash.ofRaw(b.doFinalize(32));
    }

    /** The xorb hash: root of the Merkle tree over the chunks (the zero hash for none). */
    public static XetHash xorbHash(List<Node> chunks) {
        if (chunks.isEmpty()) {
            return XetHash.ZERO;
        }
        List<Node> level = chunks;
        while (level.size() > 1) {
            List<Node> next = new ArrayList<>((level.size() + 3) / 4);
            int start = 0;
            while (start < level.size()) {
                int cut = start + nextCut(level, start);
                next.add(merge(level.subList(start, cut)));
                start = cut;
            }
            level = next;
        }
        return level.get(0).hash();
    }

    /** The file hash: the xorb-style root re-hashed with a zero key (the zero hash for an empty file). */
    public static XetHash fileHash(List<Node> chunks) {
        if (chunks.isEmpty()) {
            return XetHash.ZERO;
        }
        return keyed(new byte[32], xorbHash(chunks).raw());
    }

    /** The verification hash of a term: its chunk hashes' raw bytes, concatenated, hashed with VERIFICATION_KEY. */
    public static XetHash verificationHash(List<XetHash> chunkHashes) {
        Blake3 b = Blake3.initKeyedHash(VERIFICATION_KEY);
        byte[] raw = new byte[32];
        for (XetHash h : chunkHashes) {
            h.writeTo(raw, 0);
            b.update(raw);
        }
        return XetHash.ofRaw(b.doFinalize(32));
    }

    /** A chunk hash keyed with a per-answer key, as the global-dedup answers carry them (DataHash::hmac). */
    public static XetHash hmac(XetHash hash, byte[] key) {
        return keyed(key, hash.raw());
    }

    /** Rust's next_cut: 2 or fewer take all; else close after the first child from index 2 on that is 0 mod 4, at most 9. */
    private static int nextCut(List<Node> nodes, int from) {
        int remaining = nodes.size() - from;
        if (remaining <= 2) {
            return remaining;
        }
        int end = Math.min(2 * MEAN_BRANCHING + 1, remaining);
        for (int i = 2; i < end; i++) {
            if (Long.remainderUnsigned(nodes.get(from + i).hash().lastU64(), MEAN_BRANCHING) == 0) {
                return i + 1;
            }
        }
        return end;
    }

    private static Node merge(List<Node> children) {
        StringBuilder text = new StringBuilder(children.size() * 80);
        long total = 0;
        for (Node n : children) {
            text.append(n.hash()).append(" : ").append(n.length()).append('\n');
            total += n.length();
        }
        return new Node(keyed(INTERNAL_NODE_KEY, text.toString().getBytes(StandardCharsets.US_ASCII)), total);
    }

    private static XetHash keyed(byte[] key, byte[] data) {
        Blake3 b = Blake3.initKeyedHash(key);
        b.update(data);
        return XetHash.ofRaw(b.doFinalize(32));
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
