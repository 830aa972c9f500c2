package io.modelhub.runners.recipes.audio;

/** Mono samples in [-1, 1] (float samples may exceed it; nothing clips them) at a sample rate in Hz. */
public record Waveform(float[] samples, int sampleRate) {

    public Waveform {
        if (sampleRate < 1) {
            throw new IllegalArgumentException("sample rate must be positive, not " + sampleRate);
        }
    }

    public double seconds() {
        return (double) samples.length / sampleRate;
    }

    /** The same sound at another sample rate (see {@link Resampler}); this waveform itself if the rate matches. */
    public Waveform resampledTo(int rate) {
        return rate == sampleRate ? this : new Waveform(Resampler.resample(samples, sampleRate, rate), rate);
    }
}
