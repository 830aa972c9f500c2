package io.modelhub.runners.recipes.text;

import io.modelhub.runners.recipes.ParamSpec;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** What the text recipes' training loops share: parameters, the per-epoch shuffle, checkpoint folders. */
final class Epochs {

    private Epochs() {
    }

    /** The parameters every text recipe trains with, followed by the recipe's own. */
    static List<ParamSpec> withTrainingParameters(int epochs, double learningRate, ParamSpec... own) {
        List<ParamSpec> all = new ArrayList<>(List.of(
                ParamSpec.integer("epochs", epochs, 1, 200, "passes over the train split"),
                ParamSpec.number("learning_rate", learningRate, 1e-6, 1.0, "Adam learning rate"),
                ParamSpec.integer("batch_size", 32, 1, 1024, "texts per training step"),
                ParamSpec.integer("seed", 42, 0, Integer.MAX_VALUE,
                        "seeds initialisation, masking, data order and the validation split if the dataset has none")));
        all.addAll(List.of(own));
        return List.copyOf(all);
    }

    /** The shuffle of epoch e depends only on (seed, e), so a resumed run continues with the same data order. */
    static int[] order(int n, long seed, int epoch) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(CnnInitializers.mix(seed, "epoch-" + epoch));
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** A fresh, empty checkpoint folder for an epoch under the work folder. */
    static Path checkpointDir(Path workDir, int epoch) throws IOException {
        Path dir = workDir.resolve("checkpoints").resolve(String.format(Locale.ROOT, "epoch-%04d", epoch));
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(dir);
        return dir;
    }
}
