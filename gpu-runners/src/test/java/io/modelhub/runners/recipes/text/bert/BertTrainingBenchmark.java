package io.modelhub.runners.recipes.text.bert;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.modelhub.runners.recipes.text.TokenizedTexts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Training throughput of the DJL BERT on the real all-MiniLM-L6-v2 (6 layers, 384 hidden, 12 heads, 1536
 * intermediate), batch 32 x 128 tokens, Adam at 5e-5: the same forward / loss / backward / step as
 * ClassifierTraining's train step. docs/benchmarks.md compares it with docs/bert_train_bench.py, a hand-written
 * PyTorch BERT of the same layers. Not a test (the name keeps surefire's default includes away from it):
 * {@code ./mvnw -B -ntp -pl gpu-runners -am test -Dtest=BertTrainingBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class BertTrainingBenchmark {
    static final int BATCH = 32;
    static final int TOKENS = 128;
    static final int WARMUP = 2;
    static final int STEPS = Integer.getInteger("bench.steps", 8);

    @Test
    void miniLmTrainingSamplesPerSecond() throws Exception {
        try (BertTextClassifier model = BertTextClassifier.withNewHead(MiniLm.dir(), List.of("ham", "spam"), 1, Device.cpu());
                Trainer trainer = model.newTrainer(5e-5f)) {
            TokenizedTexts texts = randomTexts(BATCH * (WARMUP + STEPS), 7);
            for (int i = 0; i < WARMUP; i++) {
                step(trainer, model, texts, i);
            }
            long start = System.nanoTime();
            for (int i = WARMUP; i < WARMUP + STEPS; i++) {
                step(trainer, model, texts, i);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("DJL BERT (MiniLM dims) train: batch %d x %d tokens, %d steps in %.2f s = %.1f samples/s; "
                            + "threads %s; peak RSS %s%n", BATCH, TOKENS, STEPS, seconds, STEPS * BATCH / seconds,
                    System.getProperty("ai.djl.pytorch.num_threads", "default"), peakRss());
        }
    }

    private static void step(Trainer trainer, BertTextClassifier model, TokenizedTexts texts, int batch) {
        try (NDManager m = trainer.getManager().newSubManager()) {
            NDList inputs = model.batchInputs(m, texts, null, batch * BATCH, (batch + 1) * BATCH);
            long[] labels = new long[BATCH];
            for (int i = 0; i < BATCH; i++) {
                labels[i] = texts.labels()[batch * BATCH + i];
            }
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray logits = trainer.forward(inputs).singletonOrThrow();
                NDArray loss = trainer.getLoss().evaluate(new NDList(m.create(labels)), new NDList(logits));
                collector.backward(loss);
            }
            trainer.step();
        }
    }

    /** Full-length rows ([CLS] 126 random word pieces [SEP]): no padding, so both sides do exactly the same work. */
    static TokenizedTexts randomTexts(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long[][] ids = new long[n][TOKENS];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i][0] = 101;
            for (int t = 1; t < TOKENS - 1; t++) {
                ids[i][t] = 1996 + random.nextInt(28_000);
            }
            ids[i][TOKENS - 1] = 102;
            labels[i] = i % 2;
        }
        return new TokenizedTexts(ids, labels);
    }

    /** VmHWM: the most resident memory this JVM (heap, libtorch, tensors) has held. */
    static String peakRss() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return line.substring(6).trim();
            }
        }
        return "unknown";
    }
}
