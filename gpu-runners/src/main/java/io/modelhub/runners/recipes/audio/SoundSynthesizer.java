package io.modelhub.runners.recipes.audio;

import java.util.Random;

/**
 * Renders {@link SoundClass}es as waveforms with per-example variation, so that a classifier has to learn the
 * shape of a sound rather than memorise samples: random phase, level (0.2..0.9 peak), frequency (+-3% by
 * default), duration (+-20% by default around {@code seconds}) and white background noise. Deterministic for a
 * given {@link Random}. 10 ms fades avoid clicks at the edges.
 * <pre>
 *   SoundSynthesizer synth = new SoundSynthesizer(16_000, 1.0).noise(0.02);
 *   float[] samples = synth.render(SoundClass.chirp(500, 2000), new Random(7));
 *   WavWriter.write(Path.of("clip.wav"), samples, 16_000);
 * </pre>
 */
public final class SoundSynthesizer {

    private final int sampleRate;
    private final double seconds;
    private double noise = 0.02;
    private double durationJitter = 0.2;
    private double frequencyJitter = 0.03;

    public SoundSynthesizer(int sampleRate, double seconds) {
        if (sampleRate < 1 || !(seconds > 0)) {
            throw new IllegalArgumentException("need a positive sample rate and duration");
        }
        this.sampleRate = sampleRate;
        this.seconds = seconds;
    }

    /** Standard deviation of the white background noise (default 0.02, full scale 1). */
    public SoundSynthesizer noise(double sigma) {
        this.noise = sigma;
        return this;
    }

    /** Relative spread of clip durations (default 0.2: 0.8x..1.2x seconds); 0 for equal lengths. */
    public SoundSynthesizer durationJitter(double fraction) {
        this.durationJitter = fraction;
        return this;
    }

    /** Relative spread of a class's frequencies (default 0.03); 0 for exact frequencies. */
    public SoundSynthesizer frequencyJitter(double fraction) {
        this.frequencyJitter = fraction;
        return this;
    }

    public int sampleRate() {
        return sampleRate;
    }

    public float[] render(SoundClass sound, Random random) {
        double length = seconds * (1 + durationJitter * (2 * random.nextDouble() - 1));
        int n = Math.max(1, (int) Math.round(length * sampleRate));
        double level = 0.2 + 0.7 * random.nextDouble();
        double shift = 1 + frequencyJitter * (2 * random.nextDouble() - 1);
        double low = sound.lowHz() * shift;
        double high = sound.highHz() * shift;
        double phase = 2 * Math.PI * random.nextDouble();
        double[] wave = new double[n];
        switch (sound.shape()) {
            case TONE -> addSine(wave, low, phase, 1);
            case CHIRP -> {
                // the sweep spans the whole clip: instantaneous frequency low + (high - low) * t / duration
                double duration = (double) n / sampleRate;
                for (int i = 0; i < n; i++) {
                    double t = (double) i / sampleRate;
                    wave[i] = Math.sin(2 * Math.PI * (low * t + (high - low) * t * t / (2 * duration)) + phase);
                }
            }
            case NOISE_BAND -> {
                int partials = 48;
                for (int p = 0; p < partials; p++) {
                    double f = low + (high - low) * random.nextDouble();
                    addSine(wave, f, 2 * Math.PI * random.nextDouble(), 1);
                }
            }
            case PULSES -> {
                double rate = sound.highHz() * (1 + frequencyJitter * (2 * random.nextDouble() - 1));
                double offset = random.nextDouble();
                for (int i = 0; i < n; i++) {
                    double cycle = (rate * i / sampleRate + offset) % 1.0;
                    // half of each period on, with 5 ms ramps so the pulses do not click
                    double on = cycle < 0.5 ? Math.min(1, Math.min(cycle, 0.5 - cycle) / (0.005 * rate)) : 0;
                    wave[i] = on * Math.sin(2 * Math.PI * low * i / sampleRate + phase);
                }
            }
            case HARMONIC -> {
                for (int h = 1; h <= 5; h++) {
                    if (low * h >= sampleRate / 2.0) {
                        break;
                    }
                    addSine(wave, low * h, 2 * Math.PI * random.nextDouble(), 1.0 / h);
                }
            }
            default -> throw new IllegalStateException(sound.shape().name());
        }
        return finish(wave, level, random);
    }

    private float[] finish(double[] wave, double level, Random random) {
        int n = wave.length;
        double peak = 0;
        for (double v : wave) {
            peak = Math.max(peak, Math.abs(v));
        }
        int fade = Math.min(n / 2, sampleRate / 100);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            double gain = fade == 0 ? 1 : Math.min(1, Math.min(i, n - 1 - i) / (double) fade);
            double v = (peak == 0 ? 0 : wave[i] / peak) * level * gain + noise * random.nextGaussian();
            out[i] = (float) v;
        }
        return out;
    }

    /** Adds amp * sin(2 pi f t + phase) by rotating a phasor: exact enough for seconds of audio, no sin per sample. */
    private void addSine(double[] wave, double hz, double phase, double amp) {
        double w = 2 * Math.PI * hz / sampleRate;
        double c = Math.cos(w);
        double s = Math.sin(w);
        double x = Math.cos(phase);
        double y = Math.sin(phase);
        for (int i = 0; i < wave.length; i++) {
            wave[i] += amp * y;
            double nx = x * c - y * s;
            y = x * s + y * c;
            x = nx;
        }
    }
}
