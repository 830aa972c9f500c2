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
    private static final int TABLE_STEPS = 512;

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
        // the kernel tabulated at 1/TABLE_STEPS input samples and interpolated linearly: no sin/cos per tap
        // (interpolation error below 1e-5, far under 16-bit quantisation)
        int size = (int) Math.ceil(halfWidth * TABLE_STEPS) + 2;
        double[] table = new double[size];
        for (int j = 0; j < size; j++) {
            double x = (double) j / TABLE_STEPS;
            table[j] = x >= halfWidth ? 0 : cutoff * sinc(cutoff * x) * (0.5 + 0.5 * Math.cos(Math.PI * x / halfWidth));
        }
        for (int i = 0; i < n; i++) {
            double t = i * step;
            int first = Math.max(0, (int) Math.ceil(t - halfWidth));
            int last = Math.min(input.length - 1, (int) Math.floor(t + halfWidth));
            double sum = 0;
            for (int k = first; k <= last; k++) {
                double pos = Math.abs(k - t) * TABLE_STEPS;
                int j = (int) pos;
                double frac = pos - j;
                sum += input[k] * (table[j] + frac * (table[j + 1] - table[j]));
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
