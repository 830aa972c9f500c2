package io.modelhub.runners.recipes.audio;

/**
 * Log-mel spectrograms, computed in plain Java on the runner, as
 * {@code torchaudio.transforms.MelSpectrogram(sample_rate, n_fft, win_length, hop_length, n_mels=n_mels,
 * mel_scale="htk", norm=None, power=2.0, center=True, pad_mode="reflect")} followed by {@code log(mel + 1e-6)}:
 * <ul>
 *   <li>STFT: frames centred on t * hop (the signal reflect-padded by n_fft / 2 on both sides); a periodic Hann
 *       window of win_length samples, zero-padded on both sides to n_fft; power |X|^2 of bins 0..n_fft/2.</li>
 *   <li>Mel filterbank: HTK mel scale, mel = 2595 log10(1 + f / 700), n_mels triangles with corners equally spaced
 *       in mel from 0 Hz to sample_rate / 2, peak 1, no area normalisation (HTK, not Slaney).</li>
 * </ul>
 * {@link #features} then makes the model input: the first {@code frames} frames, normalised per utterance
 * (zero mean and unit variance over all mel bins and frames of the clip, so the recording level does not matter),
 * and zero-padded (zero is the clip's mean after normalisation) when the clip is shorter.
 */
public final class LogMel {

    private final LogMelSpec spec;
    private final double[] window;
    private final double[][] filterbank;
    /** Per mel band, the first and last bin where its triangle is non-zero (the rest of its row is zero). */
    private final int[] firstBin;
    private final int[] lastBin;
    private final Fft fft;

    public LogMel(LogMelSpec spec) {
        this.spec = spec;
        this.window = paddedHann(spec.winLength(), spec.nFft());
        this.filterbank = melFilterbank(spec.nFreqs(), spec.fMax(), spec.nMels(), spec.sampleRate());
        this.firstBin = new int[spec.nMels()];
        this.lastBin = new int[spec.nMels()];
        for (int m = 0; m < spec.nMels(); m++) {
            firstBin[m] = spec.nFreqs();
            lastBin[m] = -1;
            for (int f = 0; f < spec.nFreqs(); f++) {
                if (filterbank[m][f] > 0) {
                    firstBin[m] = Math.min(firstBin[m], f);
                    lastBin[m] = f;
                }
            }
        }
        this.fft = new Fft(spec.nFft());
    }

    public LogMelSpec spec() {
        return spec;
    }

    /**
     * The model input for a waveform at the spec's sample rate: n_mels x frames values, mel-major (row m is mel
     * band m over time), i.e. the (1, n_mels, frames) image the encoder reads.
     */
    public float[] features(float[] samples) {
        int keep = Math.min(samples.length, spec.clipSamples());
        float[] clip = keep == samples.length ? samples : java.util.Arrays.copyOf(samples, keep);
        double[][] logMel = logMel(clip);
        int frames = Math.min(logMel.length, spec.frames());
        int nMels = spec.nMels();
        double sum = 0;
        double sumSq = 0;
        for (int t = 0; t < frames; t++) {
            for (int m = 0; m < nMels; m++) {
                sum += logMel[t][m];
                sumSq += logMel[t][m] * logMel[t][m];
            }
        }
        double count = (double) frames * nMels;
        double mean = sum / count;
        double std = Math.sqrt(Math.max(0, sumSq / count - mean * mean));
        // a constant clip (silence) has no spread: it becomes all zeros instead of dividing by zero
        double scale = std > 1e-5 ? 1.0 / std : 0.0;
        float[] out = new float[nMels * spec.frames()];
        for (int m = 0; m < nMels; m++) {
            for (int t = 0; t < frames; t++) {
                out[m * spec.frames() + t] = (float) ((logMel[t][m] - mean) * scale);
            }
        }
        return out;
    }

    /** ln(mel power + 1e-6) per frame: [frame][mel]. */
    public double[][] logMel(float[] samples) {
        double[][] mel = melPower(samples);
        for (double[] frame : mel) {
            for (int m = 0; m < frame.length; m++) {
                frame[m] = Math.log(frame[m] + LogMelSpec.LOG_EPS);
            }
        }
        return mel;
    }

    /** Mel power per frame, [frame][mel], 1 + samples / hop frames. */
    public double[][] melPower(float[] samples) {
        double[][] power = powerSpectrogram(samples);
        double[][] mel = new double[power.length][spec.nMels()];
        for (int t = 0; t < power.length; t++) {
            for (int m = 0; m < spec.nMels(); m++) {
                double sum = 0;
                for (int f = firstBin[m]; f <= lastBin[m]; f++) {
                    sum += filterbank[m][f] * power[t][f];
                }
                mel[t][m] = sum;
            }
        }
        return mel;
    }

    /** |STFT|^2 per frame, [frame][bin], bins 0..n_fft/2. */
    public double[][] powerSpectrogram(float[] samples) {
        int nFft = spec.nFft();
        int pad = nFft / 2;
        int frames = 1 + samples.length / spec.hopLength();
        double[][] power = new double[frames][spec.nFreqs()];
        double[] re = new double[nFft];
        double[] im = new double[nFft];
        for (int t = 0; t < frames; t++) {
            int start = t * spec.hopLength() - pad;
            for (int i = 0; i < nFft; i++) {
                re[i] = window[i] == 0 ? 0 : window[i] * reflected(samples, start + i);
                im[i] = 0;
            }
            fft.transform(re, im);
            for (int f = 0; f < spec.nFreqs(); f++) {
                power[t][f] = re[f] * re[f] + im[f] * im[f];
            }
        }
        return power;
    }

    /** torch's reflect padding (the edge sample is not repeated), folded again for signals shorter than the pad. */
    static double reflected(float[] samples, int index) {
        int n = samples.length;
        if (n == 1) {
            return samples[0];
        }
        int period = 2 * (n - 1);
        int i = Math.floorMod(index, period);
        return samples[i < n ? i : period - i];
    }

    /** torch.hann_window(winLength, periodic=True), centred in nFft zeros as torch.stft does. */
    static double[] paddedHann(int winLength, int nFft) {
        double[] window = new double[nFft];
        int left = (nFft - winLength) / 2;
        for (int i = 0; i < winLength; i++) {
            window[left + i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / winLength);
        }
        return window;
    }

    public static double hzToMel(double hz) {
        return 2595.0 * Math.log10(1.0 + hz / 700.0);
    }

    public static double melToHz(double mel) {
        return 700.0 * (Math.pow(10.0, mel / 2595.0) - 1.0);
    }

    /**
     * torchaudio.functional.melscale_fbanks(n_freqs, 0, f_max, n_mels, sample_rate, norm=None, mel_scale="htk"),
     * transposed: [mel][bin].
     */
    public static double[][] melFilterbank(int nFreqs, double fMax, int nMels, int sampleRate) {
        double[] allFreqs = new double[nFreqs];
        for (int f = 0; f < nFreqs; f++) {
            allFreqs[f] = nFreqs == 1 ? 0 : (sampleRate / 2.0) * f / (nFreqs - 1);
        }
        double melMax = hzToMel(fMax);
        double[] fPts = new double[nMels + 2];
        for (int i = 0; i < nMels + 2; i++) {
            fPts[i] = melToHz(melMax * i / (nMels + 1));
        }
        double[][] fb = new double[nMels][nFreqs];
        for (int m = 0; m < nMels; m++) {
            double lowDiff = fPts[m + 1] - fPts[m];
            double highDiff = fPts[m + 2] - fPts[m + 1];
            for (int f = 0; f < nFreqs; f++) {
                double down = (allFreqs[f] - fPts[m]) / lowDiff;
                double up = (fPts[m + 2] - allFreqs[f]) / highDiff;
                fb[m][f] = Math.max(0, Math.min(down, up));
            }
        }
        return fb;
    }

    /** Centre frequency in Hz of each mel band (where its triangle peaks). */
    public static double[] centerFrequencies(LogMelSpec spec) {
        double melMax = hzToMel(spec.fMax());
        double[] centers = new double[spec.nMels()];
        for (int m = 0; m < spec.nMels(); m++) {
            centers[m] = melToHz(melMax * (m + 1) / (spec.nMels() + 1));
        }
        return centers;
    }

    /** In-place iterative radix-2 FFT with precomputed twiddles. */
    static final class Fft {
        private final int n;
        private final double[] cos;
        private final double[] sin;
        private final int[] reversed;

        Fft(int n) {
            this.n = n;
            this.cos = new double[n / 2];
            this.sin = new double[n / 2];
            for (int i = 0; i < n / 2; i++) {
                cos[i] = Math.cos(-2 * Math.PI * i / n);
                sin[i] = Math.sin(-2 * Math.PI * i / n);
            }
            this.reversed = new int[n];
            int bits = Integer.numberOfTrailingZeros(n);
            for (int i = 0; i < n; i++) {
                reversed[i] = bits == 0 ? 0 : Integer.reverse(i) >>> (32 - bits);
            }
        }

        void transform(double[] re, double[] im) {
            for (int i = 0; i < n; i++) {
                int j = reversed[i];
                if (j > i) {
                    double t = re[i];
                    re[i] = re[j];
                    re[j] = t;
                    t = im[i];
                    im[i] = im[j];
                    im[j] = t;
                }
            }
            for (int size = 2; size <= n; size <<= 1) {
                int half = size / 2;
                int stride = n / size;
                for (int start = 0; start < n; start += size) {
                    for (int k = 0; k < half; k++) {
                        double wr = cos[k * stride];
                        double wi = sin[k * stride];
                        int a = start + k;
                        int b = a + half;
                        double xr = re[b] * wr - im[b] * wi;
                        double xi = re[b] * wi + im[b] * wr;
                        re[b] = re[a] - xr;
                        im[b] = im[a] - xi;
                        re[a] += xr;
                        im[a] += xi;
                    }
                }
            }
        }
    }
}
