package io.modelhub.runners.recipes.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LogMelTest {

    private static final LogMelSpec SPEC = LogMelSpec.defaults(16_000, 40, 1.0);

    @Test
    void defaultsAreTheUsualSpeechFrontEnd() {
        assertEquals(new LogMelSpec(16_000, 512, 400, 160, 40, 101), SPEC);
        assertEquals(16_000, SPEC.clipSamples());
        assertEquals(new LogMelSpec(8_000, 256, 200, 80, 40, 51), LogMelSpec.defaults(8_000, 40, 0.5));
    }

    @Test
    void htkMelScale() {
        // 2595 log10(1 + f / 700): 700 Hz is 2595 log10(2), 1000 Hz is about 1000 mel
        assertEquals(781.1728387, LogMel.hzToMel(700), 1e-6);
        assertEquals(999.9855371, LogMel.hzToMel(1000), 1e-6);
        assertEquals(1000.0218165, LogMel.melToHz(1000), 1e-6);
        assertEquals(4321.0, LogMel.melToHz(LogMel.hzToMel(4321.0)), 1e-9);
    }

    @Test
    void fftMatchesTheDefinitionOfTheDft() {
        int n = 64;
        Random random = new Random(3);
        double[] re = new double[n];
        double[] im = new double[n];
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextGaussian();
            re[i] = x[i];
        }
        new LogMel.Fft(n).transform(re, im);
        for (int k = 0; k < n; k++) {
            double sr = 0;
            double si = 0;
            for (int t = 0; t < n; t++) {
                sr += x[t] * Math.cos(-2 * Math.PI * k * t / n);
                si += x[t] * Math.sin(-2 * Math.PI * k * t / n);
            }
            assertEquals(sr, re[k], 1e-9, "re " + k);
            assertEquals(si, im[k], 1e-9, "im " + k);
        }
    }

    @Test
    void tinySignalMatchesAHandComputedReference() {
        // n_fft = win = 8, hop 4 at 1 kHz, one mel band. A constant 0.5 stays constant under reflect padding; the
        // DFT of a periodic Hann window of length N is N/2 at bin 0, -N/4 at bins 1 and N-1 and 0 elsewhere, so
        // every frame's power is (0.5 * 4)^2 = 4 at bin 0, (0.5 * 2)^2 = 1 at bin 1 and 0 at bins 2..4.
        LogMelSpec tiny = new LogMelSpec(1_000, 8, 8, 4, 1, 5);
        LogMel logMel = new LogMel(tiny);
        float[] constant = new float[16];
        java.util.Arrays.fill(constant, 0.5f);

        double[][] power = logMel.powerSpectrogram(constant);

        assertEquals(5, power.length);
        for (double[] frame : power) {
            assertArrayEquals(new double[] {4, 1, 0, 0, 0}, frame, 1e-12);
        }
        // the one HTK triangle runs 0 .. 216.515 Hz (mel(500) / 2) .. 500 Hz over bins at 0, 125, ..., 500 Hz
        double[][] fb = LogMel.melFilterbank(5, 500, 1, 1_000);
        assertArrayEquals(new double[] {0, 0.5773268, 0.8818813, 0.4409407, 0}, fb[0], 1e-6);
        double[][] mel = logMel.melPower(constant);
        assertEquals(0.5773268 * 1, mel[0][0], 1e-6);
        assertEquals(Math.log(0.5773268 + 1e-6), logMel.logMel(constant)[2][0], 1e-6);
    }

    @Test
    void aPureToneLandsInTheMelBandOfItsFrequency() {
        LogMel logMel = new LogMel(SPEC);
        double[] centers = LogMel.centerFrequencies(SPEC);
        for (double hz : new double[] {250, 700, 1_000, 2_500, 6_000}) {
            float[] tone = new float[16_000];
            for (int i = 0; i < tone.length; i++) {
                tone[i] = (float) (0.5 * Math.sin(2 * Math.PI * hz * i / 16_000));
            }
            double[][] mel = logMel.melPower(tone);
            double[] frame = mel[50];
            int loudest = 0;
            for (int m = 1; m < frame.length; m++) {
                if (frame[m] > frame[loudest]) {
                    loudest = m;
                }
            }
            int nearest = 0;
            for (int m = 1; m < centers.length; m++) {
                if (Math.abs(centers[m] - hz) < Math.abs(centers[nearest] - hz)) {
                    nearest = m;
                }
            }
            assertEquals(nearest, loudest, hz + " Hz: loudest band " + loudest + " (" + centers[loudest] + " Hz)");
            // bands far away get almost nothing: > 60 dB below
            int far = loudest >= 10 ? loudest - 10 : loudest + 10;
            assertTrue(frame[loudest] > 1e6 * frame[far], hz + " Hz leaks into band " + far);
        }
    }

    @Test
    void featuresAreNormalisedPerUtteranceAndPaddedOrCropped() {
        LogMel logMel = new LogMel(SPEC);
        Random random = new Random(5);
        float[] full = new float[20_000];
        for (int i = 0; i < full.length; i++) {
            full[i] = (float) (0.1 * random.nextGaussian() + 0.3 * Math.sin(i * 0.3));
        }
        float[] features = logMel.features(full);
        assertEquals(40 * 101, features.length);
        double mean = 0;
        double sq = 0;
        for (float v : features) {
            mean += v;
            sq += v * v;
        }
        mean /= features.length;
        assertEquals(0, mean, 1e-4);
        assertEquals(1, Math.sqrt(sq / features.length - mean * mean), 1e-3);

        // a file longer than the clip: only its first clip_samples count
        float[] cut = java.util.Arrays.copyOf(full, SPEC.clipSamples());
        assertArrayEquals(logMel.features(cut), features);

        // the level does not matter: 10x louder gives the same features (up to the 1e-6 floor, far below here)
        float[] louder = full.clone();
        for (int i = 0; i < louder.length; i++) {
            louder[i] *= 10;
        }
        assertArrayEquals(features, logMel.features(louder), 1e-3f);

        // half a second: frames 0..50 are the clip, 51..100 are padding at the clip's mean, i.e. 0
        float[] half = logMel.features(java.util.Arrays.copyOf(full, 8_000));
        for (int m = 0; m < 40; m++) {
            for (int t = 51; t < 101; t++) {
                assertEquals(0f, half[m * 101 + t]);
            }
        }
        assertTrue(half[5 * 101 + 10] != 0f);

        // silence has no spread: all zeros rather than NaN
        for (float v : logMel.features(new float[16_000])) {
            assertEquals(0f, v);
        }
    }
}
