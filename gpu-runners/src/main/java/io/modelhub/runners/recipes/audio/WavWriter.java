package io.modelhub.runners.recipes.audio;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes RIFF WAV files (canonical 44-byte header, then interleaved little-endian samples). Integer formats clip
 * samples to [-1, 1] and round to the nearest step; float formats store them as they are.
 */
public final class WavWriter {

    private WavWriter() {
    }

    /** Mono 16-bit PCM, the most widely read WAV flavour. */
    public static void write(Path file, float[] samples, int sampleRate) throws IOException {
        write(file, new float[][] {samples}, sampleRate, WavFormat.PCM_16);
    }

    /** One array per channel, all of the same length. */
    public static void write(Path file, float[][] channels, int sampleRate, WavFormat format) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            write(out, channels, sampleRate, format);
        }
    }

    public static void write(OutputStream out, float[][] channels, int sampleRate, WavFormat format)
            throws IOException {
        if (channels.length < 1) {
            throw new IllegalArgumentException("a WAV file needs at least one channel");
        }
        int frames = channels[0].length;
        for (float[] channel : channels) {
            if (channel.length != frames) {
                throw new IllegalArgumentException("all channels must have the same number of samples");
            }
        }
        int bytesPerSample = format.bits / 8;
        int blockAlign = bytesPerSample * channels.length;
        long dataBytes = (long) frames * blockAlign;
        if (dataBytes > 0xFFFFFFFFL - 36) {
            throw new IllegalArgumentException("too many samples for a RIFF WAV file (4 GiB limit)");
        }
        ByteBuffer header = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        header.put(ascii("RIFF")).putInt((int) (36 + dataBytes)).put(ascii("WAVE"));
        header.put(ascii("fmt ")).putInt(16).putShort((short) format.tag).putShort((short) channels.length)
                .putInt(sampleRate).putInt(sampleRate * blockAlign).putShort((short) blockAlign)
                .putShort((short) format.bits);
        header.put(ascii("data")).putInt((int) dataBytes);
        out.write(header.array());
        ByteBuffer frame = ByteBuffer.allocate(blockAlign).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            frame.clear();
            for (float[] channel : channels) {
                put(frame, channel[i], format);
            }
            out.write(frame.array());
        }
    }

    private static void put(ByteBuffer buffer, float sample, WavFormat format) {
        double clipped = Math.max(-1.0, Math.min(1.0, sample));
        switch (format) {
            case PCM_U8 -> buffer.put((byte) (Math.round(clipped * 127.0) + 128));
            case PCM_16 -> buffer.putShort((short) Math.round(clipped * 32767.0));
            case PCM_24 -> {
                int v = (int) Math.round(clipped * 8388607.0);
                buffer.put((byte) v).put((byte) (v >> 8)).put((byte) (v >> 16));
            }
            case PCM_32 -> buffer.putInt((int) Math.round(clipped * 2147483647.0));
            case FLOAT_32 -> buffer.putFloat(sample);
            case FLOAT_64 -> buffer.putDouble(sample);
            default -> throw new IllegalStateException(format.name());
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
