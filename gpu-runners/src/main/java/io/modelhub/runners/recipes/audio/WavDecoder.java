package io.modelhub.runners.recipes.audio;

import io.modelhub.runners.recipes.data.DatasetException;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads RIFF WAV files in pure Java: PCM 8-bit (unsigned), 16/24/32-bit (signed) and IEEE float 32/64-bit, plain
 * or WAVE_FORMAT_EXTENSIBLE, any channel count (averaged to mono) and any sample rate. Integers are scaled to
 * [-1, 1) by their full range (16-bit: /32768), as soundfile and torchaudio do.
 * <p>
 * Anything else fails with a {@link DatasetException} that names the file, what it is (FLAC, MP3, Ogg, ... are
 * recognised by their magic bytes) and what is supported: compressed formats need a codec this runner does not
 * carry, and a dataset converted to WAV once trains everywhere.
 */
public final class WavDecoder {

    private static final int FORMAT_EXTENSIBLE = 0xFFFE;

    private WavDecoder() {
    }

    /** The whole file as mono samples at the file's own sample rate. */
    public static Waveform read(Path file) {
        return read(file, Double.POSITIVE_INFINITY);
    }

    /**
     * The first {@code maxSeconds} (or the whole file if shorter) as mono samples at the file's sample rate; only
     * that much of the data chunk is read, so a long recording costs no more than the clip a recipe uses.
     */
    public static Waveform read(Path file, double maxSeconds) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, maxSeconds, file.toString());
        } catch (DatasetException e) {
            throw e;
        } catch (EOFException e) {
            throw new DatasetException("cannot read audio " + file + ": the WAV file is truncated", e);
        } catch (IOException e) {
            throw new DatasetException("cannot read audio " + file + ": " + e.getMessage(), e);
        }
    }

    static Waveform read(InputStream in, double maxSeconds, String name) throws IOException {
        byte[] magic = in.readNBytes(12);
        String riff = magic.length >= 4 ? new String(magic, 0, 4, StandardCharsets.ISO_8859_1) : "";
        String wave = magic.length >= 12 ? new String(magic, 8, 4, StandardCharsets.ISO_8859_1) : "";
        if (!riff.equals("RIFF") || !wave.equals("WAVE")) {
            throw unsupported(name, "it is " + identify(magic));
        }
        Fmt fmt = null;
        while (true) {
            byte[] chunkHeader = in.readNBytes(8);
            if (chunkHeader.length < 8) {
                throw new DatasetException("cannot read audio " + name + ": the WAV file has "
                        + (fmt == null ? "no fmt chunk" : "no data chunk"));
            }
            ByteBuffer h = ByteBuffer.wrap(chunkHeader).order(ByteOrder.LITTLE_ENDIAN);
            String id = new String(chunkHeader, 0, 4, StandardCharsets.ISO_8859_1);
            long size = h.getInt(4) & 0xFFFFFFFFL;
            if (id.equals("fmt ")) {
                if (size < 16 || size > 1024) {
                    throw new DatasetException("cannot read audio " + name + ": fmt chunk of " + size + " bytes");
                }
                fmt = Fmt.parse(readFully(in, (int) size), name);
                skip(in, size & 1);
            } else if (id.equals("data")) {
                if (fmt == null) {
                    throw new DatasetException("cannot read audio " + name + ": data chunk before the fmt chunk");
                }
                return decodeData(in, size, fmt, maxSeconds, name);
            } else {
                skip(in, size + (size & 1));
            }
        }
    }

    private record Fmt(WavFormat format, int channels, int sampleRate, int blockAlign) {
        static Fmt parse(byte[] chunk, String name) {
            ByteBuffer b = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
            int tag = b.getShort(0) & 0xFFFF;
            int channels = b.getShort(2) & 0xFFFF;
            long sampleRate = b.getInt(4) & 0xFFFFFFFFL;
            int blockAlign = b.getShort(12) & 0xFFFF;
            int bits = b.getShort(14) & 0xFFFF;
            if (tag == FORMAT_EXTENSIBLE) {
                if (chunk.length < 26) {
                    throw new DatasetException("cannot read audio " + name + ": WAVE_FORMAT_EXTENSIBLE without a sub-format");
                }
                // the sub-format GUID starts with the plain format tag (KSDATAFORMAT_SUBTYPE_PCM = 1, IEEE_FLOAT = 3)
                tag = b.getShort(24) & 0xFFFF;
            }
            WavFormat format = WavFormat.of(tag, bits);
            if (format == null) {
                throw unsupported(name, "its WAV encoding is " + encodingName(tag) + " at " + bits + " bits");
            }
            if (channels < 1) {
                throw new DatasetException("cannot read audio " + name + ": the WAV file declares 0 channels");
            }
            if (sampleRate < 1 || sampleRate > 1_000_000) {
                throw new DatasetException("cannot read audio " + name + ": sample rate " + sampleRate + " Hz");
            }
            if (blockAlign != channels * bits / 8) {
                throw new DatasetException("cannot read audio " + name + ": block align " + blockAlign + " does not match "
                        + channels + " channels of " + bits + " bits");
            }
            return new Fmt(format, channels, (int) sampleRate, blockAlign);
        }
    }

    private static Waveform decodeData(InputStream in, long size, Fmt fmt, double maxSeconds, String name)
            throws IOException {
        // streaming writers leave the size at 0 or 0xFFFFFFFF; then the data runs to the end of the file
        boolean sizeUnknown = size == 0 || size == 0xFFFFFFFFL;
        long maxFrames = Double.isInfinite(maxSeconds) ? Long.MAX_VALUE
                : (long) Math.ceil(maxSeconds * fmt.sampleRate());
        long wantFrames = Math.min(maxFrames, sizeUnknown ? Long.MAX_VALUE : size / fmt.blockAlign());
        if (wantFrames > Integer.MAX_VALUE - 8) {
            wantFrames = (Integer.MAX_VALUE - 8) / fmt.blockAlign();
        }
        byte[] bytes = in.readNBytes((int) Math.min((long) Integer.MAX_VALUE - 8, wantFrames * fmt.blockAlign()));
        int frames = bytes.length / fmt.blockAlign();
        if (frames == 0) {
            throw new DatasetException("cannot read audio " + name + ": the WAV file has no samples");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] mono = new float[frames];
        int channels = fmt.channels();
        int bytesPerSample = fmt.format().bits / 8;
        for (int i = 0; i < frames; i++) {
            double sum = 0;
            int base = i * fmt.blockAlign();
            for (int c = 0; c < channels; c++) {
                sum += sample(b, base + c * bytesPerSample, fmt.format());
            }
            mono[i] = (float) (sum / channels);
        }
        return new Waveform(mono, fmt.sampleRate());
    }

    private static double sample(ByteBuffer b, int offset, WavFormat format) {
        return switch (format) {
            case PCM_U8 -> ((b.get(offset) & 0xFF) - 128) / 128.0;
            case PCM_16 -> b.getShort(offset) / 32768.0;
            case PCM_24 -> (((b.get(offset + 2) << 16) | ((b.get(offset + 1) & 0xFF) << 8) | (b.get(offset) & 0xFF)))
                    / 8388608.0;
            case PCM_32 -> b.getInt(offset) / 2147483648.0;
            case FLOAT_32 -> b.getFloat(offset);
            case FLOAT_64 -> b.getDouble(offset);
        };
    }

    private static DatasetException unsupported(String name, String what) {
        return new DatasetException("cannot read audio " + name + ": " + what + "; this runner reads WAV files ("
                + WavFormat.SUPPORTED + ", any sample rate and channel count). Convert the dataset's audio to WAV,"
                + " e.g. ffmpeg -i in.mp3 -c:a pcm_s16le out.wav");
    }

    private static String encodingName(int tag) {
        return switch (tag) {
            case 1 -> "integer PCM";
            case 2 -> "Microsoft ADPCM";
            case 3 -> "IEEE float";
            case 6 -> "A-law";
            case 7 -> "mu-law";
            case 0x11 -> "IMA ADPCM";
            case 0x55 -> "MP3";
            default -> "format tag 0x" + Integer.toHexString(tag);
        };
    }

    /** What a non-WAV file probably is, from its first bytes. */
    static String identify(byte[] magic) {
        String head = new String(magic, 0, Math.min(4, magic.length), StandardCharsets.ISO_8859_1);
        if (magic.length == 0) {
            return "empty";
        }
        if (head.equals("fLaC")) {
            return "FLAC";
        }
        if (head.equals("OggS")) {
            return "Ogg (Vorbis or Opus)";
        }
        if (head.startsWith("ID3") || (magic.length >= 2 && (magic[0] & 0xFF) == 0xFF && (magic[1] & 0xE0) == 0xE0)) {
            return "MP3";
        }
        if (head.equals("FORM")) {
            return "AIFF";
        }
        if (head.equals("RF64")) {
            return "RF64 (a WAV over 4 GiB)";
        }
        if (magic.length >= 8 && new String(magic, 4, 4, StandardCharsets.ISO_8859_1).equals("ftyp")) {
            return "MP4/M4A";
        }
        if (head.equals("RIFF")) {
            return "a RIFF file but not WAVE";
        }
        return "not a WAV file";
    }

    private static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new EOFException();
        }
        return bytes;
    }

    private static void skip(InputStream in, long n) throws IOException {
        long left = n;
        while (left > 0) {
            long skipped = in.skip(left);
            if (skipped <= 0) {
                if (in.read() < 0) {
                    throw new EOFException();
                }
                skipped = 1;
            }
            left -= skipped;
        }
    }
}
