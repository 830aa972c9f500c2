package io.modelhub.runners.recipes.audio;

/** The sample encodings of RIFF WAV files that {@link WavDecoder} reads and {@link WavWriter} writes. */
public enum WavFormat {
    /** 8-bit unsigned integer PCM (offset 128), WAVE_FORMAT_PCM. */
    PCM_U8(1, 8),
    PCM_16(1, 16),
    PCM_24(1, 24),
    PCM_32(1, 32),
    /** IEEE float, WAVE_FORMAT_IEEE_FLOAT. */
    FLOAT_32(3, 32),
    FLOAT_64(3, 64);

    /** The wFormatTag of the fmt chunk (1 = PCM, 3 = IEEE float). */
    final int tag;
    final int bits;

    WavFormat(int tag, int bits) {
        this.tag = tag;
        this.bits = bits;
    }

    public int bitsPerSample() {
        return bits;
    }

    static WavFormat of(int tag, int bits) {
        for (WavFormat format : values()) {
            if (format.tag == tag && format.bits == bits) {
                return format;
            }
        }
        return null;
    }

    /** For error messages: the encodings read. */
    static final String SUPPORTED = "PCM 8/16/24/32-bit integer or 32/64-bit IEEE float";
}
