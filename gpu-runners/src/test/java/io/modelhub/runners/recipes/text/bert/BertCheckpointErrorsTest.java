package io.modelhub.runners.recipes.text.bert;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.storage.inspect.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every way a checkpoint can be wrong is refused at load time, with a message that names what is wrong. */
class BertCheckpointErrorsTest {

    @TempDir
    Path dir;

    @Test
    void missingTensor() throws Exception {
        int vocab = TinyBert.tokenizer(dir);
        ObjectNode config = TinyBert.config(BertConfig.Family.BERT, vocab);
        BertConfig parsed = BertConfig.parse(config.toString());
        SafetensorsWriter weights = new SafetensorsWriter();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        new BertBlock(parsed, BertConfig.Task.ENCODER, false, 0).namedParameters().forEach((n, p) -> {
            if (!n.equals("encoder.layer.1.attention.self.key.bias")) {
                weights.putFloat32(n, p.getShape().getShape(), new float[(int) p.getShape().size()]);
            }
        });
        TinyBert.write(dir, config, weights);
        assertRefused("has no tensor encoder.layer.1.attention.self.key.bias");
    }

    @Test
    void tensorShapeDisagreesWithConfig() throws Exception {
        TinyBert.write(dir, BertConfig.Family.BERT);
        ObjectNode config = TinyBert.config(BertConfig.Family.BERT, TinyBert.tokenizer(dir));
        config.put("intermediate_size", 48);
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertRefused("tensor encoder.layer.0.intermediate.dense.weight has shape [32, 16] but config.json");
        assertRefused("intermediate size 48");
    }

    @Test
    void vocabularyInConfigDisagreesWithWeights() throws Exception {
        TinyBert.write(dir, BertConfig.Family.BERT);
        ObjectNode config = TinyBert.config(BertConfig.Family.BERT, 1000);
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertRefused("embeddings.word_embeddings.weight has shape");
        assertRefused("vocab_size 1000");
    }

    @Test
    void layerCountDisagreesWithWeights() throws Exception {
        TinyBert.write(dir, BertConfig.Family.DISTILBERT);
        ObjectNode config = TinyBert.config(BertConfig.Family.DISTILBERT, TinyBert.tokenizer(dir));
        config.put("n_layers", 1);
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertRefused("config.json has n_layers 1 but model.safetensors holds 2 layers");
    }

    @Test
    void unknownModelType() throws Exception {
        TinyBert.write(dir, BertConfig.Family.BERT);
        ObjectNode config = TinyBert.config(BertConfig.Family.BERT, TinyBert.tokenizer(dir));
        config.put("model_type", "gpt2");
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertRefused("model_type \"gpt2\"; BERT-family models are [bert, roberta, xlm-roberta, distilbert]");
    }

    @Test
    void unknownArchitecture() throws Exception {
        TinyBert.write(dir, BertConfig.Family.ROBERTA);
        ObjectNode config = TinyBert.config(BertConfig.Family.ROBERTA, TinyBert.tokenizer(dir));
        config.putArray("architectures").add("RobertaForQuestionAnswering");
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertRefused("architectures [RobertaForQuestionAnswering]; for model_type \"roberta\" supported are "
                + "[RobertaModel, RobertaForSequenceClassification, RobertaForMaskedLM]");
    }

    @Test
    void noTokenizer() throws Exception {
        TinyBert.write(dir, BertConfig.Family.BERT);
        Files.delete(dir.resolve("tokenizer.json"));
        assertRefused("model has no tokenizer.json");
    }

    @Test
    void classifierWithoutItsHead() throws Exception {
        TinyBert.write(dir, BertConfig.Family.BERT);
        BertConfig base = BertConfig.read(dir.resolve("config.json"));
        base.withTask(BertConfig.Task.SEQUENCE_CLASSIFICATION, List.of("neg", "pos")).write(dir.resolve("config.json"));
        assertRefused("has no tensor pooler.dense.weight, which a BertForSequenceClassification with this config.json "
                + "needs (is it a base model? fine-tune it with a new head first)");
    }

    @Test
    void notACheckpointOfTheFamily() throws Exception {
        TinyBert.write(dir, BertConfig.Family.DISTILBERT);
        ObjectNode config = TinyBert.config(BertConfig.Family.BERT, TinyBert.tokenizer(dir));
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertRefused("laid out as a DistilBERT checkpoint (transformer.layer.0....), but config.json has model_type \"bert\"");
    }

    /** Half-precision checkpoints (as many Hub models are published) load as float32 instead of being refused. */
    @Test
    void halfPrecisionWeightsAreConverted() throws Exception {
        TinyBert.write(dir, BertConfig.Family.BERT);
        float[] reference = states(dir);
        for (String dtype : List.of("F16", "BF16")) {
            Map<String, Safetensors.HostTensor> weights = Safetensors.read(dir.resolve("model.safetensors"));
            Path halfDir = dir.resolve(dtype);
            Files.createDirectories(halfDir);
            Files.copy(dir.resolve("config.json"), halfDir.resolve("config.json"));
            Files.copy(dir.resolve("tokenizer.json"), halfDir.resolve("tokenizer.json"));
            writeHalf(halfDir.resolve("model.safetensors"), weights, dtype);
            float[] states = states(halfDir);
            double maxDiff = 0;
            for (int i = 0; i < states.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(states[i] - reference[i]));
            }
            assertTrue(maxDiff < 0.1, dtype + " max abs diff " + maxDiff);
        }
    }

    /** A safetensors file of 16-bit floats, written byte by byte as the format defines it. */
    private static void writeHalf(Path file, Map<String, Safetensors.HostTensor> weights, String dtype)
            throws Exception {
        StringBuilder header = new StringBuilder("{");
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        for (Map.Entry<String, Safetensors.HostTensor> e : new java.util.TreeMap<>(weights).entrySet()) {
            long begin = data.size();
            for (float f : e.getValue().data()) {
                int bits = dtype.equals("BF16") ? Float.floatToIntBits(f) >>> 16 : toFloat16(f);
                data.write(bits & 0xff);
                data.write((bits >>> 8) & 0xff);
            }
            header.append(header.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"")
                    .append(dtype).append("\",\"shape\":").append(java.util.Arrays.toString(e.getValue().shape()))
                    .append(",\"data_offsets\":[").append(begin).append(',').append(data.size()).append("]}");
        }
        byte[] json = header.append('}').toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer length = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length);
        try (var out = Files.newOutputStream(file)) {
            out.write(length.array());
            out.write(json);
            data.writeTo(out);
        }
    }

    /** IEEE half precision of a float of normal range (truncating the mantissa), enough for test weights. */
    private static int toFloat16(float f) {
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exponent = ((bits >>> 23) & 0xff) - 127 + 15;
        int mantissa = (bits >>> 13) & 0x3ff;
        if (exponent <= 0) {
            return sign;
        }
        return sign | (exponent << 10) | mantissa;
    }

    private static float[] states(Path dir) throws Exception {
        try (BertModel model = BertModel.load(dir, Device.cpu());
                NDManager manager = model.manager().newSubManager()) {
            NDList inputs = model.inputs(manager, TinyBert.CORPUS);
            return model.forward(inputs).get(0).toFloatArray();
        }
    }

    private void assertRefused(String expected) {
        Executable load = () -> BertModel.load(dir, Device.cpu()).close();
        InvalidModelException e = assertThrows(InvalidModelException.class, load);
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage() + "\nexpected: " + expected);
    }
}
