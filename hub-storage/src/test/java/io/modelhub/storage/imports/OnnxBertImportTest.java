package io.modelhub.storage.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.storage.inspect.SafetensorsHeader;
import io.modelhub.storage.inspect.TensorInfo;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real all-MiniLM-L6-v2 ONNX export (langchain4j jar) converted back to the transformers layout. */
class OnnxBertImportTest {

    @TempDir
    static Path dir;
    static OnnxBertImport.Result result;
    static Map<String, TensorInfo> tensors = new TreeMap<>();

    @BeforeAll
    static void convert() throws Exception {
        result = OnnxBertImport.fromClasspath(dir);
        Path file = dir.resolve("model.safetensors");
        try (InputStream in = Files.newInputStream(file)) {
            long length = SafetensorsHeader.headerLength(in.readNBytes(8), Files.size(file));
            for (TensorInfo t : SafetensorsHeader.parse(in.readNBytes((int) length), Files.size(file)).tensors()) {
                tensors.put(t.name(), t);
            }
        }
    }

    @Test
    void writesTheTransformersNamesAndShapes() {
        assertEquals(101, tensors.size());
        assertEquals(101, result.tensors());
        assertEquals(22_565_376L, tensors.values().stream().mapToLong(TensorInfo::parameters).sum());
        assertEquals(22_565_376L, result.parameters());
        assertEquals(List.of(30522L, 384L), tensors.get("embeddings.word_embeddings.weight").shape());
        assertEquals(List.of(512L, 384L), tensors.get("embeddings.position_embeddings.weight").shape());
        assertEquals(List.of(2L, 384L), tensors.get("embeddings.token_type_embeddings.weight").shape());
        for (int i = 0; i < 6; i++) {
            String p = "encoder.layer." + i + ".";
            for (String linear : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense")) {
                assertEquals(List.of(384L, 384L), tensors.get(p + linear + ".weight").shape(), p + linear);
                assertEquals(List.of(384L), tensors.get(p + linear + ".bias").shape());
            }
            // Linear weights are [out, in] as in PyTorch, not the ONNX MatMul's [in, out]
            assertEquals(List.of(1536L, 384L), tensors.get(p + "intermediate.dense.weight").shape());
            assertEquals(List.of(384L, 1536L), tensors.get(p + "output.dense.weight").shape());
            assertTrue(tensors.containsKey(p + "attention.output.LayerNorm.weight"));
            assertTrue(tensors.containsKey(p + "output.LayerNorm.bias"));
        }
        assertTrue(tensors.keySet().stream().noneMatch(n -> n.startsWith("onnx::") || n.endsWith("position_ids")));
    }

    @Test
    void writesConfigAndSentenceTransformersFiles() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode config = json.readTree(dir.resolve("config.json").toFile());
        assertEquals("bert", config.path("model_type").asText());
        assertEquals("BertModel", config.path("architectures").path(0).asText());
        assertEquals(30522, config.path("vocab_size").asInt());
        assertEquals(384, config.path("hidden_size").asInt());
        assertEquals(6, config.path("num_hidden_layers").asInt());
        assertEquals(12, config.path("num_attention_heads").asInt(), "heads read from the graph's Reshape constants");
        assertEquals(1536, config.path("intermediate_size").asInt());
        assertEquals(512, config.path("max_position_embeddings").asInt());
        assertEquals(2, config.path("type_vocab_size").asInt());
        assertEquals(1e-12, config.path("layer_norm_eps").asDouble());
        assertEquals("gelu", config.path("hidden_act").asText());
        assertEquals(0, config.path("pad_token_id").asInt());

        assertTrue(Files.size(dir.resolve("tokenizer.json")) > 100_000);
        JsonNode modules = json.readTree(dir.resolve("modules.json").toFile());
        assertEquals("1_Pooling", modules.path(1).path("path").asText());
        JsonNode pooling = json.readTree(dir.resolve("1_Pooling/config.json").toFile());
        assertEquals(384, pooling.path("word_embedding_dimension").asInt());
        assertTrue(pooling.path("pooling_mode_mean_tokens").asBoolean());
        assertEquals(256, json.readTree(dir.resolve("sentence_bert_config.json").toFile())
                .path("max_seq_length").asInt());
        String card = Files.readString(dir.resolve("README.md"));
        assertTrue(card.contains("license: apache-2.0") && card.contains("library_name: sentence-transformers")
                && card.contains("base_model: sentence-transformers/all-MiniLM-L6-v2"), card);
    }

    @Test
    void commandLineWithExplicitHeads(@TempDir Path tmp) throws Exception {
        ClassLoader loader = getClass().getClassLoader();
        Path onnx = tmp.resolve("model.onnx");
        Path tokenizer = tmp.resolve("tokenizer.json");
        try (InputStream in = loader.getResourceAsStream(OnnxBertImport.MINILM_ONNX)) {
            Files.copy(in, onnx);
        }
        try (InputStream in = loader.getResourceAsStream(OnnxBertImport.MINILM_TOKENIZER)) {
            Files.copy(in, tokenizer);
        }
        Path out = tmp.resolve("out");
        OnnxBertImport.main(new String[] {onnx.toString(), tokenizer.toString(), out.toString(), "--heads", "12"});
        assertEquals(Files.readString(dir.resolve("config.json")), Files.readString(out.resolve("config.json")));
        assertEquals(-1, Files.mismatch(dir.resolve("model.safetensors"), out.resolve("model.safetensors")));
        String card = Files.readString(out.resolve("README.md"));
        assertTrue(card.contains("license: apache-2.0") && !card.contains("base_model:"), card);

        IllegalArgumentException wrongHeads = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> {
                    try (InputStream model = Files.newInputStream(onnx); InputStream tok = Files.newInputStream(tokenizer)) {
                        OnnxBertImport.convert(model, tok, tmp.resolve("bad"), 5, null);
                    }
                });
        assertTrue(wrongHeads.getMessage().contains("not divisible by 5 heads"), wrongHeads.getMessage());
    }

    @Test
    void refusesWhatIsNotAnOnnxModel() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> OnnxGraph.read("{\"model_type\": \"bert\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("not an ONNX model"), e.getMessage());
    }
}
