package io.modelhub.runners.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST (Zalando, MIT) from Debian's {@code dataset-fashion-mnist}: the idx files under
 * /usr/share/datasets/fashion-mnist, 60,000 train and 10,000 test 28x28 grey images of 10 clothing classes.
 * {@link #writeImageFolder} writes them as an imagefolder of grey PNGs, {@code <split>/<label>/<i>.png}: the
 * dataset's own test split, and its train split with every tenth image (index % 10 == 9) moved to validation, so
 * 54,000 / 6,000 / 10,000 and a PyTorch script reading the same folders trains on exactly the same images. Without the package the test is skipped, or fails where MODELHUB_REQUIRE_REFERENCES is set.
 */
public final class FashionMnist {

    public static final Path DIR = Path.of(System.getenv().getOrDefault("MODELHUB_FASHION_MNIST",
            "/usr/share/datasets/fashion-mnist"));
    public static final List<String> LABELS = List.of("t-shirt", "trouser", "pullover", "dress", "coat", "sandal",
            "shirt", "sneaker", "bag", "ankle-boot");

    private FashionMnist() {
    }

    /** Writes the train and test imagefolders (at most {@code limit} images per split) and returns root. */
    public static Path writeImageFolder(Path root, int limit) {
        if (!Files.isRegularFile(DIR.resolve("train-images-idx3-ubyte.gz"))) {
            PythonReference.missing("Fashion-MNIST is not in " + DIR + " (apt-get install dataset-fashion-mnist)");
        }
        for (String split : List.of("train", "test")) {
            String prefix = split.equals("train") ? "train" : "t10k";
            byte[][] images = images(DIR.resolve(prefix + "-images-idx3-ubyte.gz"));
            byte[] labels = labels(DIR.resolve(prefix + "-labels-idx1-ubyte.gz"));
            if (images.length != labels.length) {
                throw new IllegalStateException(prefix + ": " + images.length + " images but " + labels.length + " labels");
            }
            int n = Math.min(limit, images.length);
            IntStream.range(0, n).parallel().forEach(i -> MnistDigits.writePng(images[i], MnistDigits.SIDE,
                    root.resolve(split.equals("train") && i % 10 == 9 ? "validation" : split)
                            .resolve(LABELS.get(labels[i])).resolve(i + ".png")));
        }
        return root;
    }

    static byte[][] images(Path file) {
        try (DataInputStream in = open(file, 0x803)) {
            int count = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (rows != MnistDigits.SIDE || cols != MnistDigits.SIDE) {
                throw new IllegalStateException(file + " holds " + rows + "x" + cols + " images, not 28x28");
            }
            byte[][] images = new byte[count][rows * cols];
            for (byte[] image : images) {
                in.readFully(image);
            }
            return images;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static byte[] labels(Path file) {
        try (DataInputStream in = open(file, 0x801)) {
            byte[] labels = new byte[in.readInt()];
            in.readFully(labels);
            return labels;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static DataInputStream open(Path file, int magic) throws IOException {
        InputStream raw = new GZIPInputStream(Files.newInputStream(file), 1 << 16);
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16));
        int found = in.readInt();
        if (found != magic) {
            in.close();
            throw new IllegalStateException(file + " is not an idx file of type " + Integer.toHexString(magic)
                    + " (magic " + Integer.toHexString(found) + ")");
        }
        return in;
    }
}
