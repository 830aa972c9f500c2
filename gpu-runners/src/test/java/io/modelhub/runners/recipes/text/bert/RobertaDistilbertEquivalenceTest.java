package io.modelhub.runners.recipes.text.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.text.TextTokenizer;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.recipes.vision.Safetensors.HostTensor;
import io.modelhub.storage.inspect.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The converted MiniLM re-expressed as a RoBERTa checkpoint (under the "roberta." prefix, position rows shifted by
 * pad_token_id + 1, one token type) and as a DistilBERT checkpoint (q_lin/k_lin/... names, token type 0 folded
 * into the position embeddings): the same function, so the three paths must give the same token states.
 */
class RobertaDistilbertEquivalenceTest {

    @TempDir
    static Path tmp;
    static Map<String, HostTensor> bert;
    static float[] expected;
    static long[] mask;

    @BeforeAll
    static void bertOutputs() throws Exception {
        bert = Safetensors.read(MiniLm.dir().resolve("model.safetensors"));
        try (BertModel model = BertModel.load(MiniLm.dir(), Device.cpu());
                NDManager manager = model.manager().newSubManager()) {
            NDList inputs = model.inputs(manager, MiniLm.TEXTS.subList(0, 6));
            expected = model.forward(inputs).get(0).toFloatArray();
            mask = inputs.get(1).toLongArray();
        }
    }

    @Test
    void robertaLayoutGivesTheSameStates() throws Exception {
        Path dir = tmp.resolve("roberta");
        int pad = 0; // MiniLM's [PAD]; RoBERTa numbers real tokens from pad + 1
        ObjectNode config = baseConfig();
        config.put("model_type", "roberta");
        config.putArray("architectures").add("RobertaModel");
        config.put("max_position_embeddings", 512 + pad + 1);
        config.put("type_vocab_size", 1);
        config.put("pad_token_id", pad);
        SafetensorsWriter writer = new SafetensorsWriter();
        for (Map.Entry<String, HostTensor> e : bert.entrySet()) {
            String name = "roberta." + e.getKey();
            HostTensor t = e.getValue();
            switch (e.getKey()) {
                case "embeddings.position_embeddings.weight" -> {
                    int h = (int) t.shape()[1];
                    float[] shifted = new float[(512 + pad + 1) * h];
                    System.arraycopy(t.data(), 0, shifted, (pad + 1) * h, 512 * h);
                    writer.putFloat32(name, new long[] {512 + pad + 1, h}, shifted);
                }
                case "embeddings.token_type_embeddings.weight" ->
                        writer.putFloat32(name, new long[] {1, t.shape()[1]}, Arrays.copyOf(t.data(), (int) t.shape()[1]));
                default -> writer.putFloat32(name, t.shape(), t.data());
            }
        }
        write(dir, config, writer);
        assertSameStates(dir, BertConfig.Family.ROBERTA);
    }

    @Test
    void distilbertLayoutGivesTheSameStates() throws Exception {
        Path dir = tmp.resolve("distilbert");
        ObjectNode old = baseConfig();
        ObjectNode config = ConfigJson.JSON.createObjectNode();
        config.put("model_type", "distilbert");
        config.putArray("architectures").add("DistilBertModel");
        config.put("vocab_size", old.path("vocab_size").asInt());
        config.put("dim", old.path("hidden_size").asInt());
        config.put("n_layers", old.path("num_hidden_layers").asInt());
        config.put("n_heads", old.path("num_attention_heads").asInt());
        config.put("hidden_dim", old.path("intermediate_size").asInt());
        config.put("activation", "gelu");
        config.put("dropout", 0.1);
        config.put("attention_dropout", 0.1);
        config.put("max_position_embeddings", 512);
        config.put("sinusoidal_pos_embds", false);
        config.put("pad_token_id", 0);
        Map<String, String> rename = Map.of(
                "attention.self.query", "attention.q_lin", "attention.self.key", "attention.k_lin",
                "attention.self.value", "attention.v_lin", "attention.output.dense", "attention.out_lin",
                "attention.output.LayerNorm", "sa_layer_norm", "intermediate.dense", "ffn.lin1",
                "output.dense", "ffn.lin2", "output.LayerNorm", "output_layer_norm");
        SafetensorsWriter writer = new SafetensorsWriter();
        HostTensor types = bert.get("embeddings.token_type_embeddings.weight");
        for (Map.Entry<String, HostTensor> e : bert.entrySet()) {
            String name = e.getKey();
            HostTensor t = e.getValue();
            if (name.equals("embeddings.token_type_embeddings.weight")) {
                continue;
            }
            float[] data = t.data();
            if (name.equals("embeddings.position_embeddings.weight")) {
                // DistilBERT has no token types: every token's type-0 embedding moves into its position row
                data = data.clone();
                int h = (int) t.shape()[1];
                for (int i = 0; i < data.length; i++) {
                    data[i] += types.data()[i % h];
                }
            }
            if (name.startsWith("encoder.layer.")) {
                String rest = name.substring("encoder.layer.".length());
                String layer = rest.substring(0, rest.indexOf('.'));
                String part = rest.substring(layer.length() + 1, rest.lastIndexOf('.'));
                String leaf = rest.substring(rest.lastIndexOf('.'));
                name = "distilbert.transformer.layer." + layer + "." + rename.get(part) + leaf;
            } else {
                name = "distilbert." + name;
            }
            writer.putFloat32(name, t.shape(), data);
        }
        write(dir, config, writer);
        assertSameStates(dir, BertConfig.Family.DISTILBERT);
    }

    private static void assertSameStates(Path dir, BertConfig.Family family) throws Exception {
        try (BertModel model = BertModel.load(dir, Device.cpu());
                NDManager manager = model.manager().newSubManager()) {
            assertEquals(family, model.config().family());
            float[] states = model.forward(model.inputs(manager, MiniLm.TEXTS.subList(0, 6))).get(0).toFloatArray();
            assertEquals(expected.length, states.length);
            int hidden = model.config().hiddenSize();
            double maxDiff = 0;
            for (int i = 0; i < states.length; i++) {
                if (mask[i / hidden] == 1) {
                    maxDiff = Math.max(maxDiff, Math.abs(states[i] - expected[i]));
                }
            }
            System.out.printf("RobertaDistilbertEquivalenceTest: %s vs BERT max abs diff %.3g%n", family, maxDiff);
            assertTrue(maxDiff <= 1e-5, family + " max abs diff " + maxDiff);
        }
    }

    private static ObjectNode baseConfig() throws Exception {
        return (ObjectNode) ConfigJson.JSON.readTree(MiniLm.dir().resolve("config.json").toFile());
    }

    private static void write(Path dir, ObjectNode config, SafetensorsWriter writer) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), ConfigJson.toString(config));
        writer.write(dir.resolve("model.safetensors"));
        TextTokenizer.copy(MiniLm.dir(), dir);
    }
}
