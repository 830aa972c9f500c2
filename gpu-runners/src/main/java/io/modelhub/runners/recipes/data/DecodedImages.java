package io.modelhub.runners.recipes.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import io.modelhub.runners.recipes.training.LabelledExamples;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

/**
 * The pixels of an {@link LabelledFiles}, as size x size RGB bytes (HWC), decoded with java.awt's ImageIO.
 * <p>
 * Small splits are decoded once, in parallel, and kept as bytes (a 32x32 image is 3 KiB, so CIFAR-sized data fits
 * easily); a split whose decoded size exceeds the cache budget is decoded on demand for every batch instead, so
 * that a large dataset costs decoding time rather than an out-of-memory failure.
 */
public final class DecodedImages implements LabelledExamples {

    /** Decoded bytes kept in memory per split before switching to decoding on demand. */
    public static final long DEFAULT_CACHE_BUDGET = 1L << 30;

    static {
        // decoding and resizing need no display; without this, AWT may look for one on a headless runner
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        // ImageIO's disk cache would write temp files for every decoded stream; these images are small
        ImageIO.setUseCache(false);
    }

    private final LabelledFiles split;
    private final int size;
    private final byte[][] cache;

    private DecodedImages(LabelledFiles split, int size, byte[][] cache) {
        this.split = split;
        this.size = size;
        this.cache = cache;
    }

    public static DecodedImages of(LabelledFiles split, int size) {
        return of(split, size, DEFAULT_CACHE_BUDGET);
    }

    /** @throws DatasetException naming the first file that is not a readable image */
    public static DecodedImages of(LabelledFiles split, int size, long cacheBudgetBytes) {
        if (size < 1) {
            throw new IllegalArgumentException("image size must be positive, not " + size);
        }
        long bytes = (long) split.size() * size * size * 3;
        if (bytes > cacheBudgetBytes) {
            return new DecodedImages(split, size, null);
        }
        byte[][] cache = new byte[split.size()][];
        // each image is independent, so a parallel decode gives the same bytes as a sequential one
        IntStream.range(0, split.size()).parallel().forEach(i -> cache[i] = decode(split.file(i), size));
        return new DecodedImages(split, size, cache);
    }

    @Override
    public int size() {
        return split.size();
    }

    public int imageSize() {
        return size;
    }

    @Override
    public int label(int index) {
        return split.label(index);
    }

    public LabelledFiles split() {
        return split;
    }

    /** size*size*3 bytes, row-major RGB. Do not modify: cached arrays are shared. */
    public byte[] rgb(int index) {
        return cache != null ? cache[index] : decode(split.file(index), size);
    }

    /** Reads an image file and resizes it to size x size RGB (aspect ratio not kept, as HF image processors do). */
    public static byte[] decode(Path file, int size) {
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException | RuntimeException e) {
            throw new DatasetException("cannot read image " + file + ": " + e.getMessage(), e);
        }
        if (image == null) {
            throw new DatasetException("cannot read image " + file + ": not a PNG, JPEG, BMP, GIF, TIFF or WebP image");
        }
        BufferedImage resized = resize(image, size);
        byte[] rgb = new byte[size * size * 3];
        int[] row = new int[size];
        for (int y = 0; y < size; y++) {
            resized.getRGB(0, y, size, 1, row, 0, size);
            for (int x = 0; x < size; x++) {
                int p = row[x];
                int o = (y * size + x) * 3;
                rgb[o] = (byte) (p >> 16);
                rgb[o + 1] = (byte) (p >> 8);
                rgb[o + 2] = (byte) p;
            }
        }
        return rgb;
    }

    /**
     * Bilinear resize; when shrinking by more than 2x it halves step by step first, because a single bilinear
     * pass only samples 4 pixels per output pixel and would alias (moire on stripes, lost thin lines).
     */
    static BufferedImage resize(BufferedImage source, int size) {
        BufferedImage current = toRgb(source);
        int w = current.getWidth();
        int h = current.getHeight();
        while (w / 2 >= size && h / 2 >= size && (w > size || h > size)) {
            w = Math.max(size, w / 2);
            h = Math.max(size, h / 2);
            current = draw(current, w, h);
        }
        if (current.getWidth() != size || current.getHeight() != size) {
            current = draw(current, size, size);
        }
        return current;
    }

    private static BufferedImage toRgb(BufferedImage source) {
        if (source.getType() == BufferedImage.TYPE_INT_RGB) {
            return source;
        }
        return draw(source, source.getWidth(), source.getHeight());
    }

    /** Transparent pixels end up over black, like a plain RGB conversion of their stored colour channels would. */
    private static BufferedImage draw(BufferedImage source, int w, int h) {
        BufferedImage target = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = target.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(source, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return target;
    }
}
