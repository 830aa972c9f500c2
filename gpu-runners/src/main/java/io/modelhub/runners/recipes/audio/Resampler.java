package io.modelhub.runners.recipes.audio;

/**
 * Band-limited resampling with a Hann-windowed sinc kernel of {@value #ZERO_CROSSINGS} zero crossings per side.
 * When downsampling, the kernel's cut-off is lowered to the new Nyquist frequency (times {@value #ROLLOFF}, as
 * torchaudio's default), so content above it is filtered out rather than aliased into the band the model hears.
 * Any pair of rates works (44.1 kHz to 16 kHz included); the output has round(n * to / from) samples.
 */
public final class Resampler {

    static final int ZERO_CROSSINGS = 16;
    static final double ROLLOFF = 0.99;

    private Resampler() {
    }

    public static float[] resample(float[] input, int fromRate, int toRate) {
        if (fromRate < 1 || toRate < 1) {
            throw new IllegalArgumentException("sample rates must be positive: " + fromRate + " -> " + toRate);
        }
        if (fromRate == toRate) {
            return input.clone();
        }
        int n = (int) Math.round((double) input.length * toRate / fromRate);
        float[] out = new float[n];
        double step = (double) fromRate / toRate;
        // cut-off relative to the input's Nyquist frequency
        double cutoff = Math.min(1.0, (double) toRate / fromRate) * ROLLOFF;
        double halfWidth = ZERO_CROSSINGS / cutoff;
        for (int i = 0; i < n; i++) {
            double t = i * step;
            int first = Math.max(0, (int) Math.ceil(t - halfWidth));
            int last = Math.min(input.length - 1, (int) Math.floor(t + halfWidth));
            double sum = 0;
            for (int k = first; k <= last; k++) {
                double x = k - t;
                double window = 0.5 + 0.5 * Math.cos(Math.PI * x / halfWidth);
                sum += input[k] * cutoff * sinc(cutoff * x) * window;
            }
            out[i] = (float) sum;
        }
        return out;
    }

    private static double sinc(double x) {
        if (Math.abs(x) < 1e-9) {
            return 1.0;
        }
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }
}
