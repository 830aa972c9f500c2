package io.modelhub.storage.xet;

import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Xet hashes and xorb layout against values the reference implementations computed. */
class XetHashesTest {

    /** xet-core merklehash/src/aggregated_hashes.rs test_correctness: (leaves, cas hash, file hash with zero salt). */
    @Test
    void merkleTreeMatchesXetCoreReferenceValues() {
        String a = "cfc5d07f6f03c29bbf424132963fe08d19a37d5757aaf520bf08119f05cd56d6";
        String b = "c3e67584b5c4fc2a89837ec39e40f2c8a6bb0b2987ac94cd4b31e5fbdd210a72";
        String c = "0d2beb91b9196929a5ddec9f6e306924ddf4a24268e3e59fd8464738d525af37";
        String d = "adf8773496a9b7319b2e50dc98093f344053b17d8ad37100b9c07d9805988784";
        check(List.of(node(a, 100)), a, "8e16257caa3fe079d484d872a8975264b2ff683b0d6db9028cc7c0f968a45661");
        check(List.of(node(a, 100), node(b, 200), node(c, 300)),
                "71ec1275fca074724e2dd666921b3277c7cee603e4d025bcab2d4050015be2bc",
                "54e55dccc6653c612bdb5576c5d3cb34bb31bc4e100248abccf4c908b3ef7715");
        check(List.of(node(a, 100), node(a, 100), node(a, 100), node(a, 100)),
                "89f2ada89ff8c96763c6b25010e6dd76a4c05b1466207633ea559acf2093211b",
                "2cdba690d0e09563596e0cda626d43eb4c96ef1e994fe72d9b2f5a83cfcd36dd");
        check(List.of(node(a, 100), node(b, 200), node(a, 100), node(b, 200), node(c, 300), node(d, 400)),
                "52c826f99507aa05d0b45e9837fa1709e0485425cfbcb1e80db3905cf98b3ee9",
                "91d21684db364c8883ab8209fa5eb2e781cf07f37e1fa43e731c30839afe422f");
        assertEquals(XetHash.ZERO, XetHashes.xorbHash(List.of()));
    }

    /** What the npm client's chunker/hasher computed for a deterministic megabyte (src/test/resources/xet). */
    @Test
    void chunkXorbFileAndVerificationHashesMatchTheNpmClient() throws IOException {
        byte[] data = xorshift32(1_000_000);
        List<String> lines = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("/xet/xorshift32-1000000.chunks")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    lines.add(line);
                }
            }
        }
        List<XetHashes.Node> chunks = new ArrayList<>();
        List<XetHash> hashes = new ArrayList<>();
        int at = 0;
        for (String line : lines.subList(0, lines.size() - 3)) {
            String[] f = line.split(" ");
            int length = Integer.parseInt(f[1]);
            XetHash h = XetHashes.chunkHash(data, at, length);
            assertEquals(f[0], h.toString(), "chunk at byte " + at);
            chunks.add(new XetHashes.Node(h, length));
            hashes.add(h);
            at += length;
        }
        assertEquals(data.length, at);
        assertEquals(lines.get(lines.size() - 3), "xorb " + XetHashes.xorbHash(chunks));
        assertEquals(lines.get(lines.size() - 2), "file " + XetHashes.fileHash(chunks));
        assertEquals(lines.get(lines.size() - 1), "verif " + XetHashes.verificationHash(hashes));
    }

    @Test
    void hashStringsUseTheSpecByteOrder() {
        byte[] raw = new byte[32];
        for (int i = 0; i < 32; i++) {
            raw[i] = (byte) i;
        }
        // spec/api.md's example (whose printed string drops the "10" of the third group: it is 62 digits long)
        assertEquals("07060504030201000f0e0d0c0b0a090817161514131211101f1e1d1c1b1a1918", XetHash.ofRaw(raw).toString());
        assertArrayEquals(raw, XetHash.parse(XetHash.ofRaw(raw).toString()).raw());
        assertThrows(IllegalArgumentException.class, () -> XetHash.parse("ABC"));
    }

    @Test
    void xorbChunksDecodeInAllThreeSchemes() throws Exception {
        byte[] data = xorshift32(70_001);
        for (int i = 0; i < 30_000; i++) {
            data[i] = (byte) (i % 7); // compressible
        }
        ByteArrayOutputStream xorb = new ByteArrayOutputStream();
        writeChunk(xorb, data, 0, 20_000, Xorb.NONE);
        writeChunk(xorb, data, 20_000, 20_000, Xorb.LZ4);
        writeChunk(xorb, data, 40_000, 30_001, Xorb.BG4_LZ4);
        byte[] bytes = xorb.toByteArray();
        List<Xorb.Chunk> chunks = Xorb.index(bytes, bytes.length);
        assertEquals(3, chunks.size());
        assertEquals(List.of(20_000, 20_000, 30_001), chunks.stream().map(Xorb.Chunk::length).toList());
        assertEquals(XetHashes.chunkHash(data, 20_000, 20_000), chunks.get(1).hash());
        assertEquals(XetHashes.chunkHash(data, 40_000, 30_001), chunks.get(2).hash());
        assertEquals(Xorb.LZ4, chunks.get(1).scheme());

        byte[] corrupt = bytes.clone();
        corrupt[chunks.get(1).offset() + Xorb.HEADER + 10] ^= 0x55;
        // either the frame breaks or the chunk hashes differently: never the same hash silently
        try {
            assertNotEquals(chunks.get(1).hash(), Xorb.index(corrupt, corrupt.length).get(1).hash());
        } catch (Xorb.InvalidXorbException expected) {
            // refused
        }
        assertThrows(Xorb.InvalidXorbException.class, () -> Xorb.index(new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9}, 9));
    }

    @Test
    void byteGroupingRoundTripsOddLengths() {
        for (int n : new int[]{1, 2, 3, 4, 5, 9, 1001}) {
            byte[] data = xorshift32(n);
            assertArrayEquals(data, Xorb.ungroup(group(data)), "length " + n);
        }
    }

    private static void writeChunk(ByteArrayOutputStream out, byte[] data, int from, int length, int scheme) throws IOException {
        byte[] raw = java.util.Arrays.copyOfRange(data, from, from + length);
        byte[] stored = raw;
        if (scheme != Xorb.NONE) {
            ByteArrayOutputStream c = new ByteArrayOutputStream();
            try (LZ4FrameOutputStream lz = new LZ4FrameOutputStream(c)) {
                lz.write(scheme == Xorb.BG4_LZ4 ? group(raw) : raw);
            }
            stored = c.toByteArray();
        }
        out.write(new byte[]{0, (byte) stored.length, (byte) (stored.length >> 8), (byte) (stored.length >> 16),
                (byte) scheme, (byte) raw.length, (byte) (raw.length >> 8), (byte) (raw.length >> 16)});
        out.write(stored);
    }

    /** Byte grouping as spec/xorb.md describes it (the inverse of Xorb.ungroup, written independently). */
    private static byte[] group(byte[] data) {
        ByteArrayOutputStream[] groups = new ByteArrayOutputStream[4];
        for (int g = 0; g < 4; g++) {
            groups[g] = new ByteArrayOutputStream();
        }
        for (int i = 0; i < data.length; i++) {
            groups[i % 4].write(data[i]);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteArrayOutputStream g : groups) {
            out.writeBytes(g.toByteArray());
        }
        return out.toByteArray();
    }

    static byte[] xorshift32(int n) {
        byte[] data = new byte[n];
        int x = 0x9e3779b9;
        for (int i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            data[i] = (byte) x;
        }
        return data;
    }

    private static XetHashes.Node node(String hash, long length) {
        return new XetHashes.Node(XetHash.parse(hash), length);
    }

    private static void check(List<XetHashes.Node> leaves, String xorb, String file) {
        assertEquals(xorb, XetHashes.xorbHash(leaves).toString());
        assertEquals(file, XetHashes.fileHash(leaves).toString());
    }
}
