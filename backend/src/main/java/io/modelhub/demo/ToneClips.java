package io.modelhub.demo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * One-second 16 kHz mono WAV clips of four kinds of sound (a low tone, a high tone, a rising chirp, a noise
 * burst) with random pitch, loudness, onset and background noise, in the audiofolder layout
 * (split/label/file.wav).
 */
public final class ToneClips {
    public static final List<String> LABELS = List.of("chirp", "high-tone", "low-tone", "noise");
    static final int SAMPLE_RATE = 16_000;

    private ToneClips() {
    }

    public static DemoDataset generate(String name, long seed, DemoDataset.Sizes sizes) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String split : DemoDataset.SPLITS) {
            for (String label : LABELS) {
                for (int i = 0; i < sizes.perClass(split); i++) {
                    files.put(String.format(Locale.ROOT, "%s/%s/%s-%04d.wav", split, label, label, i),
                            wav(synthesise(label, random)));
                }
            }
        }
        String body = "One-second clips (16 kHz mono 16-bit WAV) of " + String.join(", ", LABELS) + ": "
                + sizes.trainPerClass() + " train, " + sizes.validationPerClass() + " validation and "
                + sizes.testPerClass() + " test clips per kind. Low tones are 150-400 Hz, high tones 1.5-3.5 kHz, "
                + "chirps sweep upwards over an octave or more, noise bursts are band-limited white noise; "
                + "loudness, onset and background noise are random.";
        return new DemoDataset(name, DemoDataset.card("Demo tones", "audio-classification", "audio",
                ToneClips.class.getName(), seed, body), files);
    }

    static float[] synthesise(String label, SplittableRandom random) {
        float[] samples = new float[SAMPLE_RATE];
        int onset = random.nextInt(0, SAMPLE_RATE / 4);
        int length = random.nextInt(SAMPLE_RATE / 2, SAMPLE_RATE - onset);
        double amplitude = 0.2 + 0.5 * random.nextDouble();
        double phase = random.nextDouble() * 2 * Math.PI;
        double low = 150 + 250 * random.nextDouble();
        double high = 1500 + 2000 * random.nextDouble();
        double chirpFrom = 300 + 700 * random.nextDouble();
        double chirpTo = chirpFrom * (2 + 2 * random.nextDouble());
        double smoothed = 0;
        for (int i = 0; i < length; i++) {
            double t = (double) i / SAMPLE_RATE;
            double envelope = Math.min(1, Math.min(i, length - i) / 400.0);
            double v = switch (label) {
                case "low-tone" -> Math.sin(2 * Math.PI * low * t + phase);
                case "high-tone" -> Math.sin(2 * Math.PI * high * t + phase);
                case "chirp" -> {
                    double duration = (double) length / SAMPLE_RATE;
                    double k = (chirpTo - chirpFrom) / duration;
                    yield Math.sin(2 * Math.PI * (chirpFrom * t + k * t * t / 2) + phase);
                }
                case "noise" -> {
                    smoothed = 0.6 * smoothed + 0.4 * (random.nextDouble() * 2 - 1);
                    yield 1.6 * smoothed;
                }
                default -> throw new IllegalArgumentException("no sound " + label);
            };
            samples[onset + i] = (float) (amplitude * envelope * v);
        }
        double background = 0.01 + 0.03 * random.nextDouble();
        for (int i = 0; i < samples.length; i++) {
            samples[i] += (float) (background * (random.nextDouble() * 2 - 1));
        }
        return samples;
    }

    /** A canonical 44-byte-header PCM WAV file, 16-bit little-endian mono. */
    static byte[] wav(float[] samples) {
        int dataBytes = samples.length * 2;
        ByteBuffer b = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(US_ASCII)).putInt(36 + dataBytes)
                .put("WAVE".getBytes(US_ASCII))
                .put("fmt ".getBytes(US_ASCII)).putInt(16).putShort((short) 1)
                .putShort((short) 1).putInt(SAMPLE_RATE).putInt(SAMPLE_RATE * 2).putShort((short) 2).putShort((short) 16)
                .put("data".getBytes(US_ASCII)).putInt(dataBytes);
        for (float s : samples) {
            b.putShort((short) Math.round(Math.max(-1, Math.min(1, s)) * 32767));
        }
        return b.array();
    }
}
