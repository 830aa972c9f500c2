package io.modelhub.runners.recipes.text.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.recipes.text.TextTokenizer;
import io.modelhub.runners.serving.ServedModel;
import io.modelhub.runners.serving.ServedModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The DJL BERT on the converted all-MiniLM-L6-v2 against ONNX Runtime running the original ONNX export: the same
 * token ids in, last_hidden_state and the sentence-transformers embedding out.
 */
class BertParityTest {

    @Test
    void lastHiddenStateAndSentenceEmbeddingMatchOnnxRuntime() throws Exception {
        try (BertModel model = BertModel.load(MiniLm.dir(), Device.cpu());
                NDManager manager = model.manager().newSubManager()) {
            assertEquals(BertConfig.Task.ENCODER, model.block().task());
            assertEquals(22_565_376L, model.namedParameters().values().stream()
                    .mapToLong(p -> p.getArray().size()).sum());
            NDList inputs = model.inputs(manager, MiniLm.TEXTS);
            long[] shape = inputs.get(0).getShape().getShape();
            int batch = (int) shape[0];
            int seq = (int) shape[1];
            assertEquals(256, seq, "the long text is truncated to sentence_bert_config's max_seq_length");
            long[] ids = inputs.get(0).toLongArray();
            long[] mask = inputs.get(1).toLongArray();
            assertEquals(0, mask[4 * seq + 10], "short texts are padded");

            long start = System.nanoTime();
            float[] djl = model.forward(inputs).get(0).toFloatArray();
            long djlMillis = (System.nanoTime() - start) / 1_000_000;
            float[][][] reference = onnxRuntime(ids, mask, batch, seq);

            int hidden = model.config().hiddenSize();
            double maxDiff = 0;
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < seq; t++) {
                    if (mask[b * seq + t] == 0) {
                        continue;
                    }
                    for (int h = 0; h < hidden; h++) {
                        maxDiff = Math.max(maxDiff, Math.abs(djl[(b * seq + t) * hidden + h] - reference[b][t][h]));
                    }
                }
            }
            System.out.printf("BertParityTest: last_hidden_state max abs diff %.3g over %d texts (DJL %d ms)%n",
                    maxDiff, batch, djlMillis);
            assertTrue(maxDiff <= 1e-4, "last_hidden_state max abs diff " + maxDiff);

            // sentence-transformers: mean over the attention mask (sum / clamp(count, 1e-9)), then L2 normalise
            float[][] embeddings = model.embed(MiniLm.TEXTS);
            double maxEmbeddingDiff = 0;
            for (int b = 0; b < batch; b++) {
                double[] mean = new double[hidden];
                int count = 0;
                for (int t = 0; t < seq; t++) {
                    if (mask[b * seq + t] == 1) {
                        count++;
                        for (int h = 0; h < hidden; h++) {
                            mean[h] += reference[b][t][h];
                        }
                    }
                }
                double norm = 0;
                for (int h = 0; h < hidden; h++) {
                    mean[h] /= count;
                    norm += mean[h] * mean[h];
                }
                norm = Math.sqrt(norm);
                for (int h = 0; h < hidden; h++) {
                    maxEmbeddingDiff = Math.max(maxEmbeddingDiff, Math.abs(embeddings[b][h] - mean[h] / norm));
                }
            }
            System.out.printf("BertParityTest: sentence embedding max abs diff %.3g%n", maxEmbeddingDiff);
            assertTrue(maxEmbeddingDiff <= 1e-5, "sentence embedding max abs diff " + maxEmbeddingDiff);
            // and the embedding means something: the two guitar sentences are closer than guitar and the markets
            assertTrue(dot(embeddings[0], embeddings[1]) > dot(embeddings[0], embeddings[3]) + 0.2);
        }
    }

    /**
     * sentence-similarity through the serving path (ServedModels on the converted folder, one request) against the
     * cosines of ONNX Runtime's sentence embeddings (mean over the attention mask, as sentence-transformers pools).
     */
    @Test
    void sentenceSimilarityMatchesCosinesOfOnnxRuntimeEmbeddings() throws Exception {
        List<String> texts = MiniLm.TEXTS.subList(0, 6);
        List<Double> served;
        try (ServedModel model = ServedModels.load(MiniLm.dir())) {
            double[] answer = (double[]) model.run(new Work("r", "ns/minilm", "c0ffee", null,
                    Map.of("source_sentence", texts.get(0), "sentences", texts.subList(1, texts.size())), Map.of(),
                    null, List.of()));
            served = java.util.Arrays.stream(answer).boxed().toList();
        }
        // each text alone through ONNX Runtime (no padding), tokenized by the folder's own tokenizer
        float[][] reference = new float[texts.size()][];
        try (TextTokenizer tokenizer = TextTokenizer.load(MiniLm.dir(), 256)) {
            long[][] ids = tokenizer.encode(texts);
            for (int b = 0; b < texts.size(); b++) {
                long[] mask = new long[ids[b].length];
                java.util.Arrays.fill(mask, 1);
                float[][] states = onnxRuntime(ids[b], mask, 1, ids[b].length)[0];
                reference[b] = new float[states[0].length];
                for (float[] token : states) {
                    for (int h = 0; h < token.length; h++) {
                        reference[b][h] += token[h];
                    }
                }
            }
        }
        assertEquals(texts.size() - 1, served.size());
        double maxDiff = 0;
        for (int i = 1; i < texts.size(); i++) {
            double cosine = dot(reference[0], reference[i]) / Math.sqrt(dot(reference[0], reference[0])
                    * dot(reference[i], reference[i]));
            maxDiff = Math.max(maxDiff, Math.abs(served.get(i - 1) - cosine));
        }
        System.out.printf("BertParityTest: sentence-similarity max abs diff %.3g against ONNX Runtime (%s)%n",
                maxDiff, served);
        assertTrue(maxDiff <= 1e-4, "sentence-similarity max abs diff " + maxDiff);
        // the guitar sentences are the most alike
        assertEquals(served.stream().mapToDouble(Double::doubleValue).max().orElseThrow(), served.get(0));
    }

    private static float[][][] onnxRuntime(long[] ids, long[] mask, int batch, int seq) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(MiniLm.onnx(), options);
                    OnnxTensor inputIds = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids),
                            new long[] {batch, seq});
                    OnnxTensor attentionMask = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(mask),
                            new long[] {batch, seq});
                    OnnxTensor tokenTypes = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(
                            new long[batch * seq]), new long[] {batch, seq});
                    OrtSession.Result result = session.run(Map.of("input_ids", inputIds,
                            "attention_mask", attentionMask, "token_type_ids", tokenTypes))) {
                return (float[][][]) result.get("last_hidden_state").orElseThrow().getValue();
            }
        }
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
