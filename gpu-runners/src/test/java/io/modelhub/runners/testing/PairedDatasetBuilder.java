package io.modelhub.runners.testing;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Writes a captioned-shapes dataset in the paired layout (train/metadata.csv with file_name,text beside the PNGs):
 * each image is a shape in a colour and a size ("a large red circle") at a random place on a noisy background,
 * and its caption says exactly that, so retrieval can only succeed by reading shape, colour and size from both
 * sides. Also writes the same images as an imagefolder by shape and the captions as a text table, the corpora
 * the test's towers are pre-trained on. Same seed, same bytes.
 */
public final class PairedDatasetBuilder {
    public static final List<String> SHAPES = List.of("circle", "square", "triangle");
    public static final Map<String, Color> COLOURS = new LinkedHashMap<>();
    public static final List<String> SIZES = List.of("small", "large");
    static {
        COLOURS.put("red", new Color(220, 40, 40));
        COLOURS.put("green", new Color(40, 200, 60));
        COLOURS.put("blue", new Color(50, 80, 230));
        COLOURS.put("yellow", new Color(230, 220, 40));
    }
    private static final int SIZE = 32;
    /** The sounds of {@link #audio()} pairs: a kind at a pitch, captioned "a low tone", "a high chirp", ... */
    public static final List<String> SOUNDS = List.of("tone", "chirp", "beeping");
    public static final List<String> PITCHES = List.of("low", "high");
    /** Not 16 kHz, so that a wav2vec2 tower resamples. */
    public static final int SAMPLE_RATE = 22_050;

    private final Path root;
    private int pairs = 120;
    private long seed = 1;
    private boolean audio;

    private PairedDatasetBuilder(Path root) {
        this.root = root;
    }

    public static PairedDatasetBuilder in(Path root) {
        return new PairedDatasetBuilder(root);
    }

    public PairedDatasetBuilder pairs(int n) {
        this.pairs = n;
        return this;
    }

    public PairedDatasetBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    /**
     * Captioned sounds instead of shapes: each pair is a WAV (about half a second, 22.05 kHz, lengths vary by
     * +-20%) of a tone, a rising chirp or a beeping at a low or a high pitch with background noise, captioned
     * {@link #soundCaption}; no image corpus.
     */
    public PairedDatasetBuilder audio() {
        this.audio = true;
        return this;
    }

    public static String soundCaption(String sound, String pitch) {
        return "a " + pitch + " " + sound;
    }

    private Path buildAudio() {
        java.util.Random random = new java.util.Random(seed);
        io.modelhub.runners.recipes.audio.SoundSynthesizer synth =
                new io.modelhub.runners.recipes.audio.SoundSynthesizer(SAMPLE_RATE, 0.5).noise(0.02);
        StringBuilder metadata = new StringBuilder("file_name,text\n");
        StringBuilder captions = new StringBuilder("text\n");
        try {
            Path pairsDir = root.resolve("pairs/train");
            Files.createDirectories(pairsDir);
            for (int i = 0; i < pairs; i++) {
                String sound = SOUNDS.get(random.nextInt(SOUNDS.size()));
                String pitch = PITCHES.get(random.nextInt(PITCHES.size()));
                double hz = pitch.equals("low") ? 300 : 1500;
                io.modelhub.runners.recipes.audio.SoundClass kind = switch (sound) {
                    case "tone" -> io.modelhub.runners.recipes.audio.SoundClass.tone(hz);
                    case "chirp" -> io.modelhub.runners.recipes.audio.SoundClass.chirp(hz, 2 * hz);
                    default -> io.modelhub.runners.recipes.audio.SoundClass.pulses(hz, 8);
                };
                String file = String.format(Locale.ROOT, "%04d.wav", i);
                io.modelhub.runners.recipes.audio.WavWriter.write(pairsDir.resolve(file), synth.render(kind, random),
                        SAMPLE_RATE);
                String caption = soundCaption(sound, pitch);
                metadata.append(file).append(',').append(caption).append('\n');
                captions.append(caption).append('\n');
            }
            Files.writeString(pairsDir.resolve("metadata.csv"), metadata, StandardCharsets.UTF_8);
            Files.createDirectories(root.resolve("captions"));
            Files.writeString(root.resolve("captions/train.csv"), captions, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return root.resolve("pairs");
    }

    /**
     * The paired dataset under root/pairs, the image corpus under root/images (not for {@link #audio()}), the
     * captions under root/captions.
     */
    public Path build() {
        if (audio) {
            return buildAudio();
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<String> colours = new ArrayList<>(COLOURS.keySet());
        StringBuilder metadata = new StringBuilder("file_name,text\n");
        StringBuilder captions = new StringBuilder("text\n");
        try {
            Path pairsDir = root.resolve("pairs/train");
            Files.createDirectories(pairsDir);
            for (int i = 0; i < pairs; i++) {
                String shape = SHAPES.get(random.nextInt(SHAPES.size()));
                String colour = colours.get(random.nextInt(colours.size()));
                String size = SIZES.get(random.nextInt(SIZES.size()));
                BufferedImage image = draw(shape, COLOURS.get(colour), size.equals("large"), random);
                String file = String.format(Locale.ROOT, "%04d.png", i);
                ImageIO.write(image, "png", pairsDir.resolve(file).toFile());
                Path byShape = root.resolve("images/train").resolve(shape);
                Files.createDirectories(byShape);
                ImageIO.write(image, "png", byShape.resolve(file).toFile());
                String caption = caption(shape, colour, size);
                metadata.append(file).append(',').append(caption).append('\n');
                captions.append(caption).append('\n');
            }
            Files.writeString(pairsDir.resolve("metadata.csv"), metadata, StandardCharsets.UTF_8);
            Files.createDirectories(root.resolve("captions"));
            Files.writeString(root.resolve("captions/train.csv"), captions, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return root.resolve("pairs");
    }

    public static String caption(String shape, String colour, String size) {
        return "a " + size + " " + colour + " " + shape;
    }

    static BufferedImage draw(String shape, Color colour, boolean large, SplittableRandom random) {
        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int v = 60 + random.nextInt(-20, 21);
                image.setRGB(x, y, new Color(v, v, v).getRGB());
            }
        }
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(colour);
        int side = large ? 18 + random.nextInt(0, 6) : 8 + random.nextInt(0, 4);
        int x = random.nextInt(1, SIZE - side);
        int y = random.nextInt(1, SIZE - side);
        switch (shape) {
            case "circle" -> g.fillOval(x, y, side, side);
            case "square" -> g.fillRect(x, y, side, side);
            default -> g.fillPolygon(new int[] {x, x + side / 2, x + side}, new int[] {y + side, y, y + side}, 3);
        }
        g.dispose();
        return image;
    }
}
