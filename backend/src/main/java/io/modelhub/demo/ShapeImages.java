package io.modelhub.demo;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Small PNG images of four shapes (circle, square, triangle, cross) in random colours, sizes and places on a
 * noisy background, in the imagefolder layout (split/label/file.png): a vision dataset that a small CNN learns
 * in seconds, while colour and position carry no information about the label.
 */
public final class ShapeImages {
    public static final List<String> LABELS = List.of("circle", "cross", "square", "triangle");
    static final int SIZE = 32;

    private ShapeImages() {
    }

    public static DemoDataset generate(String name, long seed, DemoDataset.Sizes sizes) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String split : DemoDataset.SPLITS) {
            for (String label : LABELS) {
                for (int i = 0; i < sizes.perClass(split); i++) {
                    files.put(String.format(Locale.ROOT, "%s/%s/%s-%04d.png", split, label, label, i),
                            png(draw(label, random)));
                }
            }
        }
        String body = "Images of " + String.join(", ", LABELS) + " (" + SIZE + "x" + SIZE + " px PNG), "
                + sizes.trainPerClass() + " train, " + sizes.validationPerClass() + " validation and "
                + sizes.testPerClass() + " test images per shape. Colour, size, position and background noise are "
                + "random; only the shape tells the label.";
        return new DemoDataset(name, DemoDataset.card("Demo shapes", "image-classification", "vision",
                ShapeImages.class.getName(), seed, body), files);
    }

    static BufferedImage draw(String label, SplittableRandom random) {
        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        int background = random.nextInt(40, 110);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int v = Math.max(0, Math.min(255, background + random.nextInt(-25, 26)));
                image.setRGB(x, y, new Color(v, v, v).getRGB());
            }
        }
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.getHSBColor((float) random.nextDouble(), 0.6f + 0.4f * (float) random.nextDouble(), 0.9f));
        int size = random.nextInt(12, 24);
        int x = random.nextInt(2, SIZE - size - 1);
        int y = random.nextInt(2, SIZE - size - 1);
        switch (label) {
            case "circle" -> g.fillOval(x, y, size, size);
            case "square" -> g.fillRect(x, y, size, size);
            case "triangle" -> g.fillPolygon(new Polygon(new int[] {x, x + size, x + size / 2},
                    new int[] {y + size, y + size, y}, 3));
            case "cross" -> {
                g.setStroke(new BasicStroke(Math.max(3, size / 4f)));
                g.drawLine(x, y, x + size, y + size);
                g.drawLine(x, y + size, x + size, y);
            }
            default -> throw new IllegalArgumentException("no shape " + label);
        }
        g.dispose();
        return image;
    }

    private static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
