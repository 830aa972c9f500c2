package io.modelhub.runners.recipes.vision.resnet;

import ai.djl.nn.Parameter;
import io.modelhub.runners.testing.PythonReference;
import io.modelhub.storage.inspect.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * timm ResNet folders for tests: {@link #reference()} runs src/test/scripts/resnet_reference.py once per JVM
 * (torchvision's seeded resnet18 and resnet50 with their eval logits); {@link #random} writes a folder in Java,
 * for tests that need a model but no reference.
 */
public final class TimmResNets {

    private static Path reference;

    private TimmResNets() {
    }

    /** The folder with resnet18/, resnet50/ and ARCH-io.safetensors ("input", "logits"); skips without torch. */
    public static synchronized Path reference() throws IOException, InterruptedException {
        PythonReference.require("torch", "torchvision");
        if (reference == null) {
            Path dir = Files.createTempDirectory("timm-resnets");
            PythonReference.run("resnet_reference.py", "make", dir.toString());
            dir.toFile().deleteOnExit();
            reference = dir;
        }
        return reference;
    }

    /**
     * A timm-layout folder of {@code architecture} with seeded random weights (He-uniform convs, batch norm with
     * mildly randomised statistics), classifying {@code labels} at {@code size} px.
     */
    public static Path random(Path dir, String architecture, List<String> labels, int size, long seed) {
        String json = "{\"architecture\": \"" + architecture + "\", \"num_classes\": " + labels.size()
                + ", \"label_names\": [" + String.join(", ", labels.stream().map(l -> "\"" + l + "\"").toList())
                + "], \"pretrained_cfg\": {\"input_size\": [3, " + size + ", " + size + "]}}";
        TimmResNetConfig config = TimmResNetConfig.parse(json);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        SplittableRandom random = new SplittableRandom(seed);
        for (Map.Entry<String, Parameter> entry : new ResNetBlock(config).namedParameters().entrySet()) {
            String name = entry.getKey();
            long[] shape = entry.getValue().getShape().getShape();
            float[] values = new float[Math.toIntExact(entry.getValue().getShape().size())];
            double fanIn = entry.getValue().getShape().size() / (double) shape[0];
            for (int i = 0; i < values.length; i++) {
                double u = random.nextDouble() * 2 - 1;
                values[i] = (float) (name.endsWith("running_var") || name.endsWith(".weight") && shape.length == 1
                        ? 1 + 0.2 * u : name.endsWith(".weight") ? u * Math.sqrt(6 / fanIn) : 0.1 * u);
            }
            writer.putFloat32(name, shape, values);
        }
        try {
            Files.createDirectories(dir);
            writer.write(dir.resolve(ResNetClassifier.WEIGHTS_FILE));
            config.write(dir.resolve(TimmResNetConfig.FILE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
