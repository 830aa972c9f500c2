package io.modelhub.xet;

import io.modelhub.storage.xet.XetHash;

/** Rules about chunks shared by the CAS side and its tests. */
final class XetChunks {
    /** Xet clients query global dedup for a file's first chunk and for chunks whose hash is 0 mod 1024. */
    static final int GLOBAL_DEDUP_MODULUS = 1024;

    private XetChunks() {
    }

    static boolean globalDedupEligible(XetHash chunk) {
        byte[] raw = chunk.raw();
        long last = 0;
        for (int i = 7; i >= 0; i--) {
            last = (last << 8) | (raw[24 + i] & 0xff);
        }
        return Long.remainderUnsigned(last, GLOBAL_DEDUP_MODULUS) == 0;
    }
}
