package io.modelhub.runners.recipes.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.data.DatasetException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class WavDecoderTest {

    @TempDir
    Path tmp;

    private static float[] tone(double hz, int rate, int n, double amplitude) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = (float) (amplitude * Math.sin(2 * Math.PI * hz * i / rate));
        }
        return s;
    }

    @ParameterizedTest
    @EnumSource(WavFormat.class)
    void everyFormatRoundTripsWithinItsQuantisationStep(WavFormat format) throws Exception {
        float[] samples = tone(440, 22_050, 2_000, 0.8);
        samples[10] = -1f;
        Path file = tmp.resolve(format + ".wav");
        WavWriter.write(file, new float[][] {samples}, 22_050, format);

        Waveform read = WavDecoder.read(file);

        assertEquals(22_050, read.sampleRate());
        assertEquals(samples.length, read.samples().length);
        // two quantisation steps (writers scale by 2^(b-1) - 1, readers by 2^(b-1)), or float precision
        double step = Math.max(1e-6, 4.0 / Math.pow(2, format.bitsPerSample()));
        for (int i = 0; i < samples.length; i++) {
            assertEquals(samples[i], read.samples()[i], step, format + " sample " + i);
        }
    }

    @Test
    void channelsAreAveragedToMono() throws Exception {
        float[] left = tone(300, 8_000, 800, 0.6);
        float[] right = new float[800];
        java.util.Arrays.fill(right, 0.2f);
        Path file = tmp.resolve("stereo.wav");
        WavWriter.write(file, new float[][] {left, right, left}, 8_000, WavFormat.FLOAT_32);

        float[] mono = WavDecoder.read(file).samples();

        for (int i = 0; i < mono.length; i++) {
            assertEquals((2 * left[i] + 0.2f) / 3, mono[i], 1e-6);
        }
    }

    @Test
    void readsExtensibleFormatAndSkipsOtherChunks() throws Exception {
        // WAVE_FORMAT_EXTENSIBLE 24-bit stereo with a LIST chunk of odd size before fmt, as DAWs write them
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(ascii("WAVE"));
        body.writeBytes(ascii("LIST"));
        body.writeBytes(le(5));
        body.writeBytes(new byte[] {'I', 'N', 'F', 'O', 'x', 0});
        ByteBuffer fmt = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        fmt.putShort((short) 0xFFFE).putShort((short) 2).putInt(48_000).putInt(48_000 * 6).putShort((short) 6)
                .putShort((short) 24).putShort((short) 22).putShort((short) 24).putInt(3).putShort((short) 1)
                .put(new byte[14]);
        body.writeBytes(ascii("fmt "));
        body.writeBytes(le(40));
        body.writeBytes(fmt.array());
        body.writeBytes(ascii("data"));
        body.writeBytes(le(12));
        // frame 0: L = +0.5, R = -0.5; frame 1: L = 0.25, R = 0.25 (24-bit little-endian)
        body.writeBytes(new byte[] {0, 0, 0x40, 0, 0, (byte) 0xC0, 0, 0, 0x20, 0, 0, 0x20});
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(ascii("RIFF"));
        file.writeBytes(le(body.size()));
        file.writeBytes(body.toByteArray());
        Path path = tmp.resolve("extensible.wav");
        Files.write(path, file.toByteArray());

        Waveform read = WavDecoder.read(path);

        assertEquals(48_000, read.sampleRate());
        assertArrayEquals(new float[] {0f, 0.25f}, read.samples(), 1e-7f);
    }

    @Test
    void readsOnlyTheRequestedSeconds() throws Exception {
        Path file = tmp.resolve("long.wav");
        WavWriter.write(file, tone(100, 16_000, 48_000, 0.5), 16_000);
        assertEquals(8_000, WavDecoder.read(file, 0.5).samples().length);
        assertEquals(48_000, WavDecoder.read(file, 10).samples().length);
    }

    @Test
    void compressedAndBrokenFilesSayWhatIsSupported() throws Exception {
        String[][] cases = {
            {"a.flac", "fLaC\0\0\0\"", "it is FLAC"},
            {"b.mp3", "ID3\4\0\0\0\0\0\0\0\0", "it is MP3"},
            {"c.ogg", "OggS\0\2\0\0\0\0\0\0", "it is Ogg"},
            {"d.wav", "hello, not a wav file", "it is not a WAV file"},
        };
        for (String[] c : cases) {
            Path file = tmp.resolve(c[0]);
            Files.write(file, c[1].getBytes(StandardCharsets.ISO_8859_1));
            DatasetException e = assertThrows(DatasetException.class, () -> WavDecoder.read(file));
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
            assertTrue(e.getMessage().contains(c[0]), e.getMessage());
            assertTrue(e.getMessage().contains("this runner reads WAV files (PCM 8/16/24/32-bit integer or 32/64-bit"
                    + " IEEE float"), e.getMessage());
        }

        Path ulaw = tmp.resolve("ulaw.wav");
        WavWriter.write(ulaw, new float[][] {new float[100]}, 8_000, WavFormat.PCM_U8);
        byte[] bytes = Files.readAllBytes(ulaw);
        bytes[20] = 7;
        Files.write(ulaw, bytes);
        DatasetException e = assertThrows(DatasetException.class, () -> WavDecoder.read(ulaw));
        assertTrue(e.getMessage().contains("its WAV encoding is mu-law at 8 bits"), e.getMessage());

        Path truncated = tmp.resolve("truncated.wav");
        WavWriter.write(truncated, tone(100, 8_000, 100, 0.5), 8_000);
        Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(truncated), 30));
        e = assertThrows(DatasetException.class, () -> WavDecoder.read(truncated));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        Path empty = tmp.resolve("empty.wav");
        WavWriter.write(empty, new float[][] {new float[0]}, 8_000, WavFormat.PCM_16);
        e = assertThrows(DatasetException.class, () -> WavDecoder.read(empty));
        assertTrue(e.getMessage().contains("has no samples"), e.getMessage());
    }

    @Test
    void resamplingKeepsAToneAndRemovesWhatTheNewRateCannotHold() {
        float[] at44 = tone(1_000, 44_100, 44_100, 0.5);
        float[] at16 = Resampler.resample(at44, 44_100, 16_000);
        assertEquals(16_000, at16.length);
        float[] expected = tone(1_000, 16_000, 16_000, 0.5);
        // away from the edges, where the kernel runs out of input, the resampled tone is the tone at 16 kHz
        for (int i = 200; i < 15_800; i++) {
            assertEquals(expected[i], at16[i], 0.01, "sample " + i);
        }
        // 10 kHz is above the new Nyquist frequency (8 kHz): filtered out instead of aliased to 6 kHz
        float[] high = Resampler.resample(tone(10_000, 44_100, 44_100, 0.5), 44_100, 16_000);
        assertTrue(rms(high, 200, 15_800) < 0.005, "aliased energy " + rms(high, 200, 15_800));

        float[] up = Resampler.resample(tone(440, 8_000, 8_000, 0.5), 8_000, 16_000);
        float[] expectedUp = tone(440, 16_000, 16_000, 0.5);
        assertEquals(16_000, up.length);
        for (int i = 200; i < 15_800; i++) {
            assertEquals(expectedUp[i], up[i], 0.01, "sample " + i);
        }
        // and a whole file decoded at 22.05 kHz lands at the recipe's rate
        assertEquals(16_000, new Waveform(tone(440, 22_050, 22_050, 0.5), 22_050).resampledTo(16_000).samples().length);
    }

    private static double rms(float[] s, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += s[i] * s[i];
        }
        return Math.sqrt(sum / (to - from));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }
}
