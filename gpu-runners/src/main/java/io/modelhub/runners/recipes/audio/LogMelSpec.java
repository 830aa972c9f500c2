package io.modelhub.runners.recipes.audio;

import io.modelhub.runners.recipes.vision.InvalidModelException;

/**
 * The feature parameters of a modelhub-audio model, stored in its config.json so that training, evaluation and
 * inference compute the same input: mono audio resampled to {@code sampleRate}, an STFT with a periodic Hann
 * window of {@code winLength} samples zero-padded to {@code nFft} (a power of two) every {@code hopLength}
 * samples, centred frames (reflect padding), an HTK mel filterbank of {@code nMels} triangles from 0 Hz to
 * sampleRate / 2, and {@code frames} frames (the clip length). See {@link LogMel}.
 */
public record LogMelSpec(int sampleRate, int nFft, int winLength, int hopLength, int nMels, int frames) {

    public static final int DEFAULT_SAMPLE_RATE = 16_000;
    public static final int DEFAULT_N_MELS = 40;
    public static final double DEFAULT_CLIP_SECONDS = 1.0;
    /** Added to mel power before the logarithm, so silence gives ln(1e-6) = -13.8 rather than -infinity. */
    public static final double LOG_EPS = 1e-6;

    public LogMelSpec {
        if (sampleRate < 1000 || sampleRate > 192_000) {
            throw new InvalidModelException("sample_rate " + sampleRate + " is outside 1000..192000 Hz");
        }
        if (nFft < 8 || Integer.bitCount(nFft) != 1 || nFft > 1 << 16) {
            throw new InvalidModelException("n_fft must be a power of two in 8..65536, not " + nFft);
        }
        if (winLength < 2 || winLength > nFft) {
            throw new InvalidModelException("win_length must be in 2..n_fft (" + nFft + "), not " + winLength);
        }
        if (hopLength < 1 || hopLength > nFft) {
            throw new InvalidModelException("hop_length must be in 1..n_fft (" + nFft + "), not " + hopLength);
        }
        if (nMels < 1 || nMels > nFft / 2) {
            throw new InvalidModelException("n_mels must be in 1.." + nFft / 2 + " for n_fft " + nFft + ", not " + nMels);
        }
        if (frames < 1 || frames > 100_000) {
            throw new InvalidModelException("frames must be in 1..100000, not " + frames);
        }
    }

    /**
     * The usual speech front end scaled to any rate: 25 ms windows every 10 ms (400 and 160 samples at 16 kHz),
     * n_fft the next power of two (512), and as many frames as a centred STFT gives for {@code clipSeconds}
     * (101 for 1 s at 16 kHz).
     */
    public static LogMelSpec defaults(int sampleRate, int nMels, double clipSeconds) {
        int win = (int) Math.round(sampleRate * 0.025);
        int hop = (int) Math.round(sampleRate * 0.010);
        int nFft = Integer.highestOneBit(Math.max(8, win - 1)) << 1;
        int frames = 1 + (int) Math.round(clipSeconds * sampleRate) / hop;
        return new LogMelSpec(sampleRate, nFft, win, hop, nMels, frames);
    }

    /** Samples of audio that fill {@link #frames()} frames; longer clips are cut there. */
    public int clipSamples() {
        return (frames - 1) * hopLength;
    }

    public double clipSeconds() {
        return (double) clipSamples() / sampleRate;
    }

    /** Number of STFT bins, nFft / 2 + 1. */
    public int nFreqs() {
        return nFft / 2 + 1;
    }

    public double fMax() {
        return sampleRate / 2.0;
    }
}
