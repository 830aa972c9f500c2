package io.modelhub.runners.testing;

import io.modelhub.runners.recipes.audio.SoundClass;
import io.modelhub.runners.recipes.audio.SoundSynthesizer;
import io.modelhub.runners.recipes.audio.WavFormat;
import io.modelhub.runners.recipes.audio.WavWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Writes a small synthetic audio classification dataset in the Hugging Face audiofolder layout
 * ({@code <split>/<label>/<n>.wav}), for tests of audio recipes. Each class is a {@link SoundClass} (tone, chirp,
 * noise band, pulses, harmonic sound) rendered by {@link SoundSynthesizer} with random phase, level, frequency,
 * duration and background noise. Same seed, same bytes.
 * <pre>
 *   Path root = AudioFolderDatasetBuilder.in(tempDir)
 *       .classes(SoundClass.tone(300), SoundClass.tone(1200), SoundClass.noiseBand(3000, 5000))
 *       .split("train", 30).split("validation", 6).split("test", 10)
 *       .build();
 * </pre>
 */
public final class AudioFolderDatasetBuilder {

    private final Path root;
    private final Map<String, SoundClass> classes = new LinkedHashMap<>();
    private final Map<String, Integer> splits = new LinkedHashMap<>();
    private boolean defaultSplits = true;
    private int sampleRate = 16_000;
    private double seconds = 1.0;
    private double noise = 0.02;
    private double durationJitter = 0.2;
    private int channels = 1;
    private WavFormat format = WavFormat.PCM_16;
    private long seed = 1;

    private AudioFolderDatasetBuilder(Path root) {
        this.root = root;
        splits.put("train", 30);
        splits.put("validation", 6);
        splits.put("test", 10);
    }

    public static AudioFolderDatasetBuilder in(Path root) {
        return new AudioFolderDatasetBuilder(root);
    }

    /** Adds classes labelled by {@link SoundClass#label()}. */
    public AudioFolderDatasetBuilder classes(SoundClass... sounds) {
        for (SoundClass sound : sounds) {
            classes.put(sound.label(), sound);
        }
        return this;
    }

    /** Clips per class in a split folder; the first call replaces the default splits (train 30, validation 6, test 10). */
    public AudioFolderDatasetBuilder split(String name, int clipsPerClass) {
        if (defaultSplits) {
            splits.clear();
            defaultSplits = false;
        }
        splits.put(name, clipsPerClass);
        return this;
    }

    /** Sample rate of the written files (default 16000). */
    public AudioFolderDatasetBuilder sampleRate(int hz) {
        this.sampleRate = hz;
        return this;
    }

    /** Mean clip duration (default 1 s). */
    public AudioFolderDatasetBuilder seconds(double seconds) {
        this.seconds = seconds;
        return this;
    }

    /** Background noise standard deviation (default 0.02). */
    public AudioFolderDatasetBuilder noise(double sigma) {
        this.noise = sigma;
        return this;
    }

    /** Relative duration spread (default 0.2). */
    public AudioFolderDatasetBuilder durationJitter(double fraction) {
        this.durationJitter = fraction;
        return this;
    }

    /** Channels per file (default 1); every channel carries the same sound at a different level. */
    public AudioFolderDatasetBuilder channels(int channels) {
        this.channels = channels;
        return this;
    }

    public AudioFolderDatasetBuilder format(WavFormat format) {
        this.format = format;
        return this;
    }

    public AudioFolderDatasetBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    public List<String> labels() {
        return new ArrayList<>(classes.keySet());
    }

    /** Writes the files and returns the dataset root. */
    public Path build() {
        if (classes.isEmpty()) {
            throw new IllegalStateException("add at least one class");
        }
        SoundSynthesizer synth = new SoundSynthesizer(sampleRate, seconds).noise(noise).durationJitter(durationJitter);
        Random random = new Random(seed);
        try {
            for (Map.Entry<String, Integer> split : splits.entrySet()) {
                for (Map.Entry<String, SoundClass> cls : classes.entrySet()) {
                    Path dir = root.resolve(split.getKey()).resolve(cls.getKey());
                    Files.createDirectories(dir);
                    for (int i = 0; i < split.getValue(); i++) {
                        float[] mono = synth.render(cls.getValue(), random);
                        float[][] data = new float[channels][];
                        for (int c = 0; c < channels; c++) {
                            float gain = 1f - 0.3f * c / Math.max(1, channels);
                            data[c] = new float[mono.length];
                            for (int s = 0; s < mono.length; s++) {
                                data[c][s] = mono[s] * gain;
                            }
                        }
                        WavWriter.write(dir.resolve(String.format("%04d.wav", i)), data, sampleRate, format);
                    }
                }
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
