package io.modelhub.runners.testing;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Writes a small synthetic image classification dataset in the Hugging Face imagefolder layout
 * ({@code <split>/<label>/<n>.png}), for tests of vision recipes, runners and dataset handling.
 * <p>
 * Every class is a {@link Pattern} (stripes, checkerboard, disc, ...) drawn with random colours, position, scale
 * and phase, plus pixel noise: colour alone never tells the class, so a model has to learn shapes, and what a
 * backbone learns on some patterns helps on others (the point of fine-tuning tests). Same seed, same bytes.
 * <pre>
 *   Path root = ImageFolderDatasetBuilder.in(tempDir)
 *       .classes(Pattern.HORIZONTAL_STRIPES, Pattern.VERTICAL_STRIPES, Pattern.DISC)
 *       .split("train", 40).split("validation", 10).split("test", 20)
 *       .build();
 * </pre>
 */
public final class ImageFolderDatasetBuilder {

    /** What a class looks like. */
    public enum Pattern {
        HORIZONTAL_STRIPES, VERTICAL_STRIPES, DIAGONAL_STRIPES, CHECKERBOARD, DOTS, GRID, DISC, RING, CROSS, SQUARE;

        /** The default label, e.g. "horizontal-stripes". */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private final Path root;
    private final Map<String, Pattern> classes = new LinkedHashMap<>();
    private final Map<String, Integer> splits = new LinkedHashMap<>();
    private boolean defaultSplits = true;
    private int imageSize = 32;
    private double noise = 24;
    private long seed = 1;
    private String format = "png";
    private boolean classFolders = true;

    private ImageFolderDatasetBuilder(Path root) {
        this.root = root;
        splits.put("train", 40);
        splits.put("validation", 10);
        splits.put("test", 20);
    }

    /** A dataset written into {@code root} (created if missing). */
    public static ImageFolderDatasetBuilder in(Path root) {
        return new ImageFolderDatasetBuilder(root);
    }

    /** Adds classes labelled by {@link Pattern#label()}. */
    public ImageFolderDatasetBuilder classes(Pattern... patterns) {
        for (Pattern pattern : patterns) {
            classes.put(pattern.label(), pattern);
        }
        return this;
    }

    /** Adds a class with a label of your choice. */
    public ImageFolderDatasetBuilder addClass(String label, Pattern pattern) {
        classes.put(label, pattern);
        return this;
    }

    /**
     * Images per class in a split folder (any name: "train", "val", "eval", ...). The first call replaces the
     * default splits (train 40, validation 10, test 20).
     */
    public ImageFolderDatasetBuilder split(String name, int imagesPerClass) {
        if (defaultSplits) {
            splits.clear();
            defaultSplits = false;
        }
        splits.put(name, imagesPerClass);
        return this;
    }

    public ImageFolderDatasetBuilder imageSize(int pixels) {
        this.imageSize = pixels;
        return this;
    }

    /** Standard deviation of the Gaussian pixel noise, in 0..255 units (default 24). */
    public ImageFolderDatasetBuilder noise(double sigma) {
        this.noise = sigma;
        return this;
    }

    public ImageFolderDatasetBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** "png" (default), "jpg" or "bmp". */
    public ImageFolderDatasetBuilder format(String format) {
        this.format = format;
        return this;
    }

    /** With false, images go straight into the split folders, unlabelled (a broken dataset, for error tests). */
    public ImageFolderDatasetBuilder classFolders(boolean classFolders) {
        this.classFolders = classFolders;
        return this;
    }

    /** Writes the images and returns the dataset root. */
    public Path build() {
        if (classes.isEmpty()) {
            throw new IllegalStateException("add at least one class");
        }
        try {
            Random random = new Random(seed);
            for (Map.Entry<String, Integer> split : splits.entrySet()) {
                for (Map.Entry<String, Pattern> cls : classes.entrySet()) {
                    Path dir = classFolders ? root.resolve(split.getKey()).resolve(cls.getKey())
                            : root.resolve(split.getKey());
                    Files.createDirectories(dir);
                    for (int i = 0; i < split.getValue(); i++) {
                        BufferedImage image = render(cls.getValue(), random);
                        String name = (classFolders ? "" : cls.getKey() + "-") + String.format("%04d.", i) + format;
                        String writer = format.equals("jpg") ? "jpeg" : format;
                        if (!ImageIO.write(image, writer, dir.resolve(name).toFile())) {
                            throw new IllegalStateException("no ImageIO writer for " + format);
                        }
                    }
                }
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The class labels in insertion order. */
    public List<String> labels() {
        return new ArrayList<>(classes.keySet());
    }

    private BufferedImage render(Pattern pattern, Random random) {
        int s = imageSize;
        BufferedImage image = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        Color[] colours = colours(random);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(colours[0]);
        g.fillRect(0, 0, s, s);
        g.setColor(colours[1]);
        double unit = s / 32.0;
        int period = (int) Math.round((5 + random.nextInt(4)) * unit);
        int phase = random.nextInt(Math.max(1, period));
        int cx = (int) (s / 2 + (random.nextInt(9) - 4) * unit);
        int cy = (int) (s / 2 + (random.nextInt(9) - 4) * unit);
        int r = (int) Math.round((7 + random.nextInt(4)) * unit);
        switch (pattern) {
            case HORIZONTAL_STRIPES -> {
                for (int y = -phase; y < s; y += period) {
                    g.fillRect(0, y, s, Math.max(1, period / 2));
                }
            }
            case VERTICAL_STRIPES -> {
                for (int x = -phase; x < s; x += period) {
                    g.fillRect(x, 0, Math.max(1, period / 2), s);
                }
            }
            case DIAGONAL_STRIPES -> {
                g.setStroke(new BasicStroke(Math.max(1f, period / 2f)));
                for (int d = -s - phase; d < 2 * s; d += period) {
                    g.drawLine(d, 0, d + s, s);
                }
            }
            case CHECKERBOARD -> {
                int cell = Math.max(2, period - (int) unit);
                for (int y = -phase; y < s; y += cell) {
                    for (int x = -phase; x < s; x += cell) {
                        if ((Math.floorDiv(x + phase, cell) + Math.floorDiv(y + phase, cell)) % 2 == 0) {
                            g.fillRect(x, y, cell, cell);
                        }
                    }
                }
            }
            case DOTS -> {
                int dot = Math.max(2, period / 2);
                for (int y = -phase; y < s; y += period) {
                    for (int x = -phase; x < s; x += period) {
                        g.fillOval(x, y, dot, dot);
                    }
                }
            }
            case GRID -> {
                int line = Math.max(1, (int) Math.round(1.5 * unit));
                for (int p = -phase; p < s; p += period) {
                    g.fillRect(0, p, s, line);
                    g.fillRect(p, 0, line, s);
                }
            }
            case DISC -> g.fillOval(cx - r, cy - r, 2 * r, 2 * r);
            case RING -> {
                g.setStroke(new BasicStroke((float) Math.max(1.5, 2.5 * unit)));
                g.drawOval(cx - r, cy - r, 2 * r, 2 * r);
            }
            case CROSS -> {
                int w = (int) Math.max(2, Math.round(3 * unit));
                g.fillRect(cx - r, cy - w / 2, 2 * r, w);
                g.fillRect(cx - w / 2, cy - r, w, 2 * r);
            }
            case SQUARE -> g.fillRect(cx - r, cy - r, 2 * r, 2 * r);
            default -> throw new IllegalStateException(pattern.name());
        }
        g.dispose();
        if (noise > 0) {
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    int rgb = image.getRGB(x, y);
                    int red = clamp(((rgb >> 16) & 0xff) + random.nextGaussian() * noise);
                    int green = clamp(((rgb >> 8) & 0xff) + random.nextGaussian() * noise);
                    int blue = clamp((rgb & 0xff) + random.nextGaussian() * noise);
                    image.setRGB(x, y, (red << 16) | (green << 8) | blue);
                }
            }
        }
        return image;
    }

    /** Background and foreground, far enough apart in brightness that the pattern is visible through the noise. */
    private static Color[] colours(Random random) {
        while (true) {
            Color a = new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256));
            Color b = new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256));
            if (Math.abs(luma(a) - luma(b)) > 80) {
                return new Color[] {a, b};
            }
        }
    }

    private static double luma(Color c) {
        return 0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue();
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
