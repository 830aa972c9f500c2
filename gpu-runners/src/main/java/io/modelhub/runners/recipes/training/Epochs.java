package io.modelhub.runners.recipes.training;

import io.modelhub.contract.ParamSpec;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import io.modelhub.runners.recipes.vision.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * What every recipe's training loop shares: the training parameters, the per-epoch shuffle, checkpoints (folder,
 * training state, hand-over to the agent) and the result of a cancelled run.
 */
public final class Epochs {

    /** Writes a model's files into a folder (a checkpoint's). */
    @FunctionalInterface
    public interface FolderWriter {
        void write(Path dir) throws IOException;
    }

    private Epochs() {
    }

    /**
     * epochs, learning_rate and batch_size, followed by the recipe's own parameters.
     *
     * @param examples what a batch holds, for batch_size's description, e.g. "texts"
     */
    public static List<ParamSpec> withTrainingParameters(int epochs, double learningRate, String examples,
            ParamSpec... own) {
        List<ParamSpec> all = new ArrayList<>(List.of(
                ParamSpec.integer("epochs", epochs, 1, 200, "passes over the train split"),
                ParamSpec.number("learning_rate", learningRate, 1e-6, 1.0, "Adam learning rate"),
                ParamSpec.integer("batch_size", 32, 1, 1024, examples + " per training step")));
        all.addAll(List.of(own));
        return List.copyOf(all);
    }

    /** The "seed" parameter (default 42); the description says what it seeds. */
    public static ParamSpec seedParameter(String description) {
        return ParamSpec.integer("seed", 42, 0, Integer.MAX_VALUE, description);
    }

    /**
     * The start of epoch e: its data order ({@link #order}), and the engine's random generator (dropout, masking noise
     * drawn by PyTorch) reseeded from (seed, e), so a run is reproducible and a resumed run draws what it would have.
     */
    public static int[] begin(int n, long seed, int epoch) {
        Torch.engine().setRandomSeed((int) CnnInitializers.mix(seed, "engine-epoch-" + epoch));
        return order(n, seed, epoch);
    }

    /** The shuffle of epoch e depends only on (seed, e), so a resumed run continues with the same data order. */
    public static int[] order(int n, long seed, int epoch) {
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

    /**
     * Writes the checkpoint of an epoch: a fresh folder under the work folder with the model's files and the
     * {@link TrainingState}, handed to the agent (which stores it before this returns).
     */
    public static void saveCheckpoint(RunContext ctx, Recipe recipe, int epoch, long step, long seed,
            FolderWriter model) throws Exception {
        Path dir = ctx.workDir().resolve("checkpoints").resolve(String.format(Locale.ROOT, "epoch-%04d", epoch));
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
        Files.createDirectories(dir);
        model.write(dir);
        new TrainingState(recipe.id(), recipe.version(), epoch, step, seed, epoch).write(dir);
        ctx.saveCheckpoint(new RunContext.Checkpoint(dir, epoch, step));
    }

    /** The result of a run cancelled during an epoch: the metrics so far, no model. */
    public static RunResult cancelled(RunContext ctx, Map<String, Double> result, int epoch, long step) {
        ctx.log("Cancelled during epoch " + epoch + " after step " + step + "; no model written");
        return new RunResult(result, false);
    }
}
