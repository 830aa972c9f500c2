package io.modelhub.demo;

import javax.imageio.ImageIO;
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
 * Captioned shapes for cross-modal alignment: each image is a circle, square or triangle in one of five named
 * colours, small or large, at a random place on a noisy background, and its caption says so ("a large red circle":
 * 30 distinct captions). Published twice: as a paired dataset (split/metadata.csv with file_name,text beside the
 * PNGs, the Hugging Face imagefolder metadata layout) and as a text table of the captions alone, the corpus the
 * demo's caption encoder is pre-trained on.
 */
public final class CaptionedShapes {
    static final List<String> SHAPES = List.of("circle", "square", "triangle");
    static final Map<String, Color> COLOURS = new LinkedHashMap<>();
    static final List<String> SIZES = List.of("small", "large");
    static final int SIZE = 32;

    static {
        COLOURS.put("red", new Color(220, 40, 40));
        COLOURS.put("green", new Color(40, 190, 60));
        COLOURS.put("blue", new Color(50, 80, 230));
        COLOURS.put("yellow", new Color(230, 215, 40));
        COLOURS.put("white", new Color(240, 240, 240));
    }

    private CaptionedShapes() {
    }

    /** {@code sizes} per split, counted in images (not per class). */
    public static DemoDataset pairs(String name, long seed, DemoDataset.Sizes sizes) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String split : DemoDataset.SPLITS) {
            StringBuilder metadata = new StringBuilder("file_name,text\n");
            for (int i = 0; i < sizes.perClass(split); i++) {
                Shape c = draw(random);
                String file = String.format(Locale.ROOT, "%04d.png", i);
                files.put(split + "/" + file, png(image(c, random)));
                metadata.append(file).append(',').append(caption(c)).append('\n');
            }
            files.put(split + "/metadata.csv", metadata.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String body = "Images of " + String.join(", ", SHAPES) + " in " + String.join(", ", COLOURS.keySet())
                + ", small or large (" + SIZE + "x" + SIZE + " px PNG), each with its caption (\"a large red circle\") in "
                + "the split's metadata.csv: " + sizes.trainPerClass() + " train, " + sizes.validationPerClass()
                + " validation and " + sizes.testPerClass() + " test pairs, for text-image alignment and retrieval.";
        return new DemoDataset(name, DemoDataset.card("Demo captioned shapes", "zero-shot-image-classification",
                "multimodal", CaptionedShapes.class.getName(), seed, body), files);
    }

    /** The captions alone (train.csv, validation.csv, test.csv with a text column), same seed as {@link #pairs}. */
    public static DemoDataset captions(String name, long seed, DemoDataset.Sizes sizes) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String split : DemoDataset.SPLITS) {
            StringBuilder csv = new StringBuilder("text\n");
            for (int i = 0; i < sizes.perClass(split); i++) {
                Shape c = draw(random);
                image(c, random);
                csv.append(caption(c)).append('\n');
            }
            files.put(split + ".csv", csv.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return new DemoDataset(name, DemoDataset.card("Demo shape captions", "fill-mask", "text",
                CaptionedShapes.class.getName(), seed, "The captions of the captioned-shapes dataset (\"a large red circle\"), "
                        + "as a text table, to pre-train a caption encoder on."), files);
    }

    /** What one image shows, and its caption says. */
    record Shape(String shape, String colour, String size) {
    }

    static String caption(Shape c) {
        return "a " + c.size() + " " + c.colour() + " " + c.shape();
    }

    private static Shape draw(SplittableRandom random) {
        List<String> colours = List.copyOf(COLOURS.keySet());
        return new Shape(SHAPES.get(random.nextInt(SHAPES.size())), colours.get(random.nextInt(colours.size())),
                SIZES.get(random.nextInt(SIZES.size())));
    }

    private static BufferedImage image(Shape c, SplittableRandom random) {
        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int v = 70 + random.nextInt(-20, 21);
                image.setRGB(x, y, new Color(v, v, v).getRGB());
            }
        }
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(COLOURS.get(c.colour()));
        int side = c.size().equals("large") ? random.nextInt(18, 25) : random.nextInt(8, 12);
        int x = random.nextInt(1, SIZE - side);
        int y = random.nextInt(1, SIZE - side);
        switch (c.shape()) {
            case "circle" -> g.fillOval(x, y, side, side);
            case "square" -> g.fillRect(x, y, side, side);
            default -> g.fillPolygon(new Polygon(new int[] {x, x + side, x + side / 2}, new int[] {y + side, y + side, y}, 3));
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
