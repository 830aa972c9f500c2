package io.modelhub.runners.recipes.vision.resnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.ImageClassificationRecipe;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.PythonReference;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rehearsal of the acceptance criterion on real images: Debian's Fashion-MNIST (28 px, 10 classes; 100 train and
 * 50 test images per class), a seeded random-weight resnet18 at 28 px fine-tuned through image-classification for
 * 3 epochs, then the written timm folder loaded by torchvision (strict) on the test split: the same accuracy.
 * Not a test (about a minute of CPU; the name keeps surefire's default includes away from it):
 * {@code ./mvnw -B -ntp -o -pl gpu-runners -am test -Dtest=ResNetFashionMnistCheck -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ResNetFashionMnistCheck {

    static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");
    static final List<String> CLASSES = List.of("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
            "sneaker", "bag", "ankle-boot");

    @TempDir
    Path tmp;

    @Test
    void torchvisionScoresTheFineTunedResNetAsTheRunDid() throws Exception {
        PythonReference.require("torch", "torchvision", "PIL");
        Path data = tmp.resolve("fashion");
        write(data.resolve("train"), "train", 100);
        write(data.resolve("test"), "t10k", 50);
        Path base = TimmResNets.random(tmp.resolve("base"), "resnet18", List.of("a", "b"), 28, 3);
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(base).dataset(data)
                .param("epochs", 3).param("batch_size", 32).build();
        long started = System.nanoTime();
        RunResult result = new ImageClassificationRecipe().run(ctx);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(result.completed());
        JsonNode torchvision = ConfigJson.JSON.readTree(PythonReference.run("resnet_reference.py", "verify",
                ctx.outputDir().toString(), data.resolve("test").toString()));
        System.out.printf("ResNetFashionMnistCheck: %s in %.0f s; torchvision test accuracy %.4f on %d images%n",
                result.finalMetrics(), seconds, torchvision.get("accuracy").asDouble(), torchvision.get("count").asInt());
        assertEquals(result.finalMetrics().get("test_accuracy"), torchvision.get("accuracy").asDouble(), 1e-9);
    }

    /** The first {@code perClass} images of each class from the idx files, as 28 px grey PNGs. */
    private static void write(Path split, String prefix, int perClass) throws IOException {
        try (DataInputStream images = idx(prefix + "-images-idx3-ubyte.gz", 16);
                DataInputStream labels = idx(prefix + "-labels-idx1-ubyte.gz", 8)) {
            int[] counts = new int[10];
            int written = 0;
            byte[] pixels = new byte[28 * 28];
            for (int n = 0; written < 10 * perClass; n++) {
                images.readFully(pixels);
                int label = labels.readUnsignedByte();
                if (counts[label] >= perClass) {
                    continue;
                }
                BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                image.getRaster().setDataElements(0, 0, 28, 28, pixels);
                Path dir = Files.createDirectories(split.resolve(CLASSES.get(label)));
                ImageIO.write(image, "png", dir.resolve(String.format("%05d.png", n)).toFile());
                counts[label]++;
                written++;
            }
        }
    }

    private static DataInputStream idx(String name, int header) throws IOException {
        DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(FASHION.resolve(name))));
        in.skipNBytes(header);
        return in;
    }
}
