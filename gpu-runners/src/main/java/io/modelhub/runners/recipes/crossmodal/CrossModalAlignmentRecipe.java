package io.modelhub.runners.recipes.crossmodal;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.modelhub.contract.ParamSpec;
import io.modelhub.runners.recipes.Params;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.PairedDataset;
import io.modelhub.runners.recipes.training.Epochs;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.TrainingState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Aligns two pretrained hub encoders on a paired dataset (text-image, text-audio, image-audio, ...) CLIP-style: a
 * projection on each tower to a shared size and the symmetric InfoNCE loss with a learned temperature. Either only
 * the projections (and temperature) train, or the towers too. After every epoch it measures retrieval on the
 * held-out validation pairs both ways (recall@1/5/10, mean rank) and checkpoints; at the end it scores the test
 * split (validation if the dataset has none), writes the dual encoder and an embedding index of the dataset
 * ({@link EmbeddingIndex}) that the hub's search widget answers queries from.
 */
public final class CrossModalAlignmentRecipe implements Recipe {
    public static final String ID = "cross-modal-alignment";
    static final List<String> TOWER_MODALITIES = List.of("text", "vision", "audio");
    /** The encoders {@link Towers} builds a tower from. */
    static final List<String> TOWER_TYPES = java.util.stream.Stream.concat(
            java.util.stream.Stream.of(io.modelhub.contract.ModelTypes.TEXT, io.modelhub.contract.ModelTypes.CNN,
                    io.modelhub.contract.ModelTypes.AUDIO),
            java.util.stream.Stream.concat(io.modelhub.contract.ModelTypes.BERT_FAMILY.stream(),
                    java.util.stream.Stream.of(io.modelhub.contract.ModelTypes.VIT, io.modelhub.contract.ModelTypes.TIMM,
                            io.modelhub.contract.ModelTypes.WAV2VEC2, io.modelhub.contract.ModelTypes.HUBERT))).toList();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String modality() {
        return "multimodal";
    }

    /** What the hub serves it for (runner serving/ZeroShotImageClassification), and so its cards' pipeline_tag. */
    @Override
    public String task() {
        return "zero-shot-image-classification";
    }

    /**
     * 2: BERT-family text towers (bert, roberta, xlm-roberta, distilbert), mean-pooled. 3: transformers ViT vision
     * towers (pooler output, or the CLS token when the checkpoint has no pooler); timm ResNet vision towers (the
     * pooled features before fc; batch norm keeps its running statistics); wav2vec2 / HuBERT audio towers (the
     * mean of the last hidden states over the clip's frames, on raw waveforms at the extractor's sampling rate).
     */
    @Override
    public String version() {
        return "3";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(
                ParamSpec.model("tower_a", TOWER_MODALITIES, TOWER_TYPES, "encoder of one side of the pairs (modelhub-text, modelhub-cnn, modelhub-audio, a "
                        + "BERT-family text encoder: bert, roberta, xlm-roberta, distilbert; a vit or timm ResNet image encoder; a "
                        + "wav2vec2 or hubert audio encoder)"),
                ParamSpec.model("tower_b", TOWER_MODALITIES, TOWER_TYPES, "encoder of the other side"),
                new ParamSpec("train", "string", "projections", null, null, List.of("projections", "all"),
                        "what learns: the projection heads and temperature only, or the towers too"),
                ParamSpec.integer("projection_size", 64, 2, 4096, "size of the shared embedding space"),
                ParamSpec.integer("batch_size", 32, 2, 4096, "pairs per step; each pair's negatives are the batch's other pairs"),
                ParamSpec.number("temperature", 0.07, 0.01, 1.0, "initial softmax temperature (learned, kept >= 0.01)"),
                ParamSpec.integer("epochs", 10, 1, 1000, "passes over the training pairs"),
                ParamSpec.number("learning_rate", 0.001, 1e-6, 1.0, "Adam step size"),
                ParamSpec.integer("seed", 42, 0, Integer.MAX_VALUE, "seeds the projections, the data order and the held-out split"),
                new ParamSpec("zero_shot_labels", "string", "", null, null, null, "comma-separated labels for zero-shot "
                        + "classification on the model's page (needs a text tower); their prompts are embedded with the model"),
                new ParamSpec("zero_shot_prompt", "string", "a photo of a {label}", null, null, null,
                        "the text each zero-shot label is put into; {label} stands for the label"));
    }

    @Override
    public boolean needsBaseModel() {
        return false;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        Params params = Params.of(parameters(), ctx.params());
        int epochs = params.getInt("epochs");
        int batchSize = params.getInt("batch_size");
        float learningRate = (float) params.getDouble("learning_rate");
        long seed = params.getInt("seed");
        boolean trainTowers = params.getString("train").equals("all");
        List<String> zeroShotLabels = java.util.Arrays.stream(params.getString("zero_shot_labels").split(","))
                .map(String::trim).filter(l -> !l.isEmpty()).distinct().toList();
        String zeroShotPrompt = params.getString("zero_shot_prompt");
        if (!zeroShotLabels.isEmpty() && !zeroShotPrompt.contains("{label}")) {
            throw new IllegalArgumentException("parameter \"zero_shot_prompt\" must contain {label}, not \"" + zeroShotPrompt + "\"");
        }

        PairedDataset data = PairedDataset.open(ctx.datasetDir(), seed);
        data.notes().forEach(ctx::log);
        ctx.log("Dataset: " + data.describe());

        Path dirA = ctx.modelDir("tower_a");
        Path dirB = ctx.modelDir("tower_b");
        String nameA = String.valueOf(ctx.params().get("tower_a"));
        String nameB = String.valueOf(ctx.params().get("tower_b"));
        String modalityA = Towers.modality(dirA);
        String modalityB = Towers.modality(dirB);
        // the towers may be named in either order: tower_a encodes whichever side of the pairs it fits
        boolean swap = !modalityA.equals(data.kindA().modality()) && modalityA.equals(data.kindB().modality())
                && modalityB.equals(data.kindA().modality());
        if (swap) {
            Path d = dirA;
            dirA = dirB;
            dirB = d;
            String n = nameA;
            nameA = nameB;
            nameB = n;
        }
        if (!Towers.modality(dirA).equals(data.kindA().modality()) || !Towers.modality(dirB).equals(data.kindB().modality())) {
            throw new InvalidModelException("the dataset pairs " + data.kindA().modality() + " (" + data.columnA() + ") with "
                    + data.kindB().modality() + " (" + data.columnB() + "), but the towers encode " + modalityA + " and "
                    + modalityB);
        }
        if (!zeroShotLabels.isEmpty() && data.kindA() != PairedDataset.Kind.TEXT && data.kindB() != PairedDataset.Kind.TEXT) {
            throw new IllegalArgumentException("zero_shot_labels needs a text tower, and this dataset pairs "
                    + data.kindA().modality() + " with " + data.kindB().modality());
        }
        String a = sideName(data.kindA(), data.kindB(), true);
        String b = sideName(data.kindA(), data.kindB(), false);

        Device device = Torch.preferredDevice();
        DualEncoder fresh = DualEncoder.create(dirA, new DualEncoder.Side(nameA, data.columnA()), dirB,
                new DualEncoder.Side(nameB, data.columnB()), params.getInt("projection_size"), params.getDouble("temperature"),
                seed, device);
        DualEncoder model = fresh;
        int startEpoch = 0;
        long step = 0;
        Optional<RunContext.Checkpoint> checkpoint = ctx.latestCheckpoint();
        if (checkpoint.isPresent()) {
            TrainingState state = TrainingState.read(checkpoint.get().dir());
            fresh.close();
            model = DualEncoder.load(checkpoint.get().dir(), device);
            startEpoch = state.epoch();
            step = state.step();
            ctx.log("Resuming from checkpoint at epoch " + startEpoch + ", step " + step);
        }
        try {
            ctx.log("Aligning " + model.towerA().describe() + " (" + a + ") with " + model.towerB().describe() + " (" + b
                    + ") on " + Torch.describe(device) + (trainTowers ? "; towers train too" : "; towers frozen"));
            if (!trainTowers) {
                model.freezeTowers();
            }
            Map<String, Double> result = new LinkedHashMap<>();
            List<PairedDataset.Pair> train = data.train();
            int evalBatch = Math.max(32, Math.min(256, batchSize));
            try (Trainer trainer = model.newTrainer(learningRate)) {
                for (int epoch = startEpoch + 1; epoch <= epochs; epoch++) {
                    long started = System.nanoTime();
                    int[] order = Epochs.begin(train.size(), seed, epoch);
                    double lossSum = 0;
                    int batches = 0;
                    for (int from = 0; from + 2 <= order.length; from += batchSize) {
                        if (ctx.cancelled()) {
                            return new RunResult(result, false);
                        }
                        int to = Math.min(order.length, from + batchSize);
                        float loss = trainStep(trainer, model, train, order, from, to);
                        step++;
                        if (!Float.isFinite(loss)) {
                            throw new IllegalStateException("training diverged: loss is " + loss + " at step " + step
                                    + "; try a lower learning_rate than " + learningRate);
                        }
                        ctx.metric(step, "loss", loss);
                        lossSum += loss;
                        batches++;
                    }
                    Evaluation val = evaluate(model, data.validation(), evalBatch);
                    ctx.metric(step, "val_loss", val.loss);
                    for (Map.Entry<String, Double> m : val.metrics.named("val_", a, b).entrySet()) {
                        ctx.metric(step, m.getKey(), m.getValue());
                    }
                    ctx.metric(step, "temperature", 1 / model.scale());
                    ctx.metric(step, "epoch", epoch);
                    ctx.log(String.format(Locale.ROOT, "Epoch %d/%d: train loss %.4f, val loss %.4f, %s->%s R@1 %.3f, "
                                    + "%s->%s R@1 %.3f (chance %.3f), temperature %.4f (%.1f s)", epoch, epochs,
                            lossSum / Math.max(1, batches), val.loss, a, b, val.metrics.aToBRecall()[0], b, a,
                            val.metrics.bToARecall()[0], val.metrics.chanceRecallAt1(), 1 / model.scale(),
                            (System.nanoTime() - started) / 1e9));
                    Epochs.saveCheckpoint(ctx, this, epoch, step, seed, model::save);
                }
            }
            boolean hasTest = !data.test().isEmpty();
            Evaluation last = evaluate(model, hasTest ? data.test() : data.validation(), evalBatch);
            String prefix = hasTest ? "test_" : "val_";
            result.put(prefix + "loss", last.loss);
            result.putAll(last.metrics.named(prefix, a, b));
            result.put(prefix + "chance_recall@1", last.metrics.chanceRecallAt1());
            result.put("temperature", 1 / model.scale());
            model.save(ctx.outputDir());
            EmbeddingIndex.write(model, data, ctx.datasetDir(), ctx.outputDir(), evalBatch,
                    zeroShotLabels.stream().map(l -> new EmbeddingIndex.Prompt(l, zeroShotPrompt.replace("{label}", l))).toList());
            ctx.log(String.format(Locale.ROOT, "%s (%d pairs): %s->%s R@1 %.3f, %s->%s R@1 %.3f, chance %.3f; model and "
                            + "embedding index written", hasTest ? "Test" : "Validation", last.metrics.n(), a, b,
                    last.metrics.aToBRecall()[0], b, a, last.metrics.bToARecall()[0], last.metrics.chanceRecallAt1()));
            return new RunResult(result, true);
        } finally {
            model.close();
        }
    }

    /** "text", "image", "audio"; "a"/"b" when both sides are the same kind. */
    static String sideName(PairedDataset.Kind a, PairedDataset.Kind b, boolean first) {
        if (a == b) {
            return first ? "a" : "b";
        }
        return (first ? a : b).name().toLowerCase(Locale.ROOT);
    }

    private static float trainStep(Trainer trainer, DualEncoder model, List<PairedDataset.Pair> pairs, int[] order,
            int from, int to) {
        List<String> itemsA = new ArrayList<>();
        List<String> itemsB = new ArrayList<>();
        for (int i = from; i < to; i++) {
            itemsA.add(pairs.get(order[i]).a());
            itemsB.add(pairs.get(order[i]).b());
        }
        try (NDManager batch = trainer.getManager().newSubManager()) {
            NDList inputs = model.batch(batch, itemsA, itemsB);
            float loss;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray lossArray = ContrastiveLoss.of(trainer.forward(inputs));
                collector.backward(lossArray);
                loss = lossArray.getFloat();
            }
            trainer.step();
            return loss;
        }
    }

    record Evaluation(double loss, RetrievalMetrics metrics) {
    }

    /** Retrieval among all held-out pairs at once; the loss is InfoNCE over that whole set. */
    static Evaluation evaluate(DualEncoder model, List<PairedDataset.Pair> pairs, int batchSize) {
        int n = pairs.size();
        int d = model.projectionSize();
        float[] za = model.embed(true, pairs.stream().map(PairedDataset.Pair::a).toList(), batchSize);
        float[] zb = model.embed(false, pairs.stream().map(PairedDataset.Pair::b).toList(), batchSize);
        float[] sim = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int k = 0; k < d; k++) {
                    s += za[i * d + k] * zb[j * d + k];
                }
                sim[i * n + j] = s;
            }
        }
        double scale = model.scale();
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double rowMax = Double.NEGATIVE_INFINITY;
            double colMax = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                rowMax = Math.max(rowMax, scale * sim[i * n + j]);
                colMax = Math.max(colMax, scale * sim[j * n + i]);
            }
            double rowSum = 0;
            double colSum = 0;
            for (int j = 0; j < n; j++) {
                rowSum += Math.exp(scale * sim[i * n + j] - rowMax);
                colSum += Math.exp(scale * sim[j * n + i] - colMax);
            }
            double right = scale * sim[i * n + i];
            loss += (rowMax + Math.log(rowSum) - right) + (colMax + Math.log(colSum) - right);
        }
        return new Evaluation(loss / (2.0 * n), RetrievalMetrics.of(sim, n));
    }
}
