package io.modelhub.runners.recipes.text.bert;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.text.TextTokenizer;
import io.modelhub.runners.recipes.text.TokenizedTexts;
import io.modelhub.runners.recipes.text.bert.BertConfig.Task;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A transformers BERT-family model folder loaded into a {@link BertBlock}: config.json, model.safetensors under
 * the transformers names and tokenizer.json. Everything a checkpoint can get wrong (model_type, architectures,
 * missing or misshapen tensors, sizes in config.json that the weights contradict, no tokenizer) is refused here,
 * before any forward or training step, with a message that names the tensor or field. float16 and bfloat16
 * weights are read as float32.
 * <pre>
 *   try (BertModel model = BertModel.load(dir, Torch.preferredDevice())) {
 *       float[][] embeddings = model.embed(List.of("A sentence.", "Another one."));
 *   }
 * </pre>
 */
public final class BertModel implements AutoCloseable {

    public static final String WEIGHTS_FILE = "model.safetensors";
    private static final Pattern LAYER = Pattern.compile("\\.?(?:encoder|transformer)\\.layer\\.(\\d+)\\.");

    private final BertConfig config;
    private final BertBlock block;
    private final Model model;
    private final TextTokenizer tokenizer;
    private final SentencePooling pooling;
    private final Path sourceDir;

    private BertModel(BertConfig config, BertBlock block, Model model, TextTokenizer tokenizer,
            SentencePooling pooling, Path sourceDir) {
        this.config = config;
        this.block = block;
        this.model = model;
        this.tokenizer = tokenizer;
        this.pooling = pooling;
        this.sourceDir = sourceDir;
    }

    /** The model as its config.json's architectures say (a base model when it names none). */
    public static BertModel load(Path dir, Device device) throws IOException {
        BertConfig config = BertConfig.read(dir.resolve(BertConfig.FILE));
        return build(dir, config, config.task(), false, 0, device);
    }

    /**
     * The encoder of the model in {@code baseDir} (a base model or any *ForX checkpoint of the family) under a new,
     * seeded head for {@code task}: the start of a fine-tune. A classifier's pooler (BERT) is loaded when the
     * checkpoint has one and seeded otherwise, as transformers does.
     */
    public static BertModel withNewHead(Path baseDir, Task task, List<String> labels, long seed, Device device)
            throws IOException {
        // only the encoder is taken, so the base's own architecture (e.g. BertForPreTraining) does not matter
        BertConfig base = BertConfig.read(baseDir.resolve(BertConfig.FILE));
        return build(baseDir, base.withTask(task, labels), task, true, seed, device);
    }

    private static BertModel build(Path dir, BertConfig config, Task task, boolean newHead, long seed, Device device)
            throws IOException {
        if (!Files.isRegularFile(dir.resolve(TextTokenizer.FILE))) {
            throw new InvalidModelException("model has no " + TextTokenizer.FILE + " (looked for "
                    + dir.resolve(TextTokenizer.FILE) + "); a BERT-family model needs its tokenizer");
        }
        if (task == Task.SEQUENCE_CLASSIFICATION && config.labels().size() < 2) {
            throw new InvalidModelException("config.json names " + config.architectures() + " but has no id2label "
                    + "with at least 2 labels");
        }
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(dir.resolve(WEIGHTS_FILE));
        String checkpointPrefix = checkpointPrefix(config, weights);
        boolean withPooler = weights.containsKey(checkpointPrefix + "pooler.dense.weight");
        BertBlock block = new BertBlock(config, task, withPooler, config.labels().size());
        checkLayers(config, weights, checkpointPrefix);
        for (Map.Entry<String, Parameter> entry : block.namedParameters().entrySet()) {
            String name = entry.getKey();
            boolean encoderPart = name.startsWith(block.prefix())
                    && !(task == Task.SEQUENCE_CLASSIFICATION && name.startsWith(block.prefix() + "pooler."));
            boolean pooler = name.startsWith(block.prefix() + "pooler.");
            String key = encoderPart || pooler ? checkpointPrefix + name.substring(block.prefix().length()) : name;
            Safetensors.HostTensor tensor = weights.get(key);
            // a new classifier is new even where the base checkpoint has one (its labels differ); a masked-LM head,
            // whose size is the vocabulary's, and a BERT pooler, part of the base model, are kept when present
            boolean newClassifier = newHead && task == Task.SEQUENCE_CLASSIFICATION && !encoderPart && !pooler;
            if (newClassifier || tensor == null && newHead && !encoderPart) {
                entry.getValue().setInitializer(seeded(name, config, seed));
                continue;
            }
            CnnInitializers.loadChecked(entry.getValue(), key, tensor, config.family().architecture(task),
                    encoderPart ? "" : " (is it a base model? fine-tune it with a new head first)",
                    " (" + sizes(config) + ")");
        }
        Model model = null;
        TextTokenizer tokenizer = null;
        try {
            SentencePooling pooling = SentencePooling.read(dir);
            // sentence_bert_config's max_seq_length is the sentence embedding's limit, not a fine-tuned head's
            int maxLength = Math.min(config.maxTokens(), modelMaxLength(dir));
            tokenizer = TextTokenizer.load(dir, task == Task.ENCODER ? Math.min(maxLength, pooling.maxSeqLength())
                    : maxLength);
            model = Model.newInstance(config.family().architecture(task), device, Torch.ENGINE);
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4), new Shape(1, 4));
            if (config.json().path("sinusoidal_pos_embds").asBoolean(false)) {
                // DistilBERT's sinusoidal position table is a constant, which transformers never trains
                block.namedParameters().get(block.prefix() + "embeddings.position_embeddings.weight").freeze(true);
            }
            return new BertModel(config, block, model, tokenizer, pooling, dir);
        } catch (IOException | RuntimeException e) {
            if (model != null) {
                model.close();
            }
            if (tokenizer != null) {
                tokenizer.close();
            }
            throw e;
        }
    }

    /**
     * "" when the checkpoint names its encoder as a base model does, "bert." (the family's base_model_prefix) when
     * it is a *ForX checkpoint; transformers loads either into either.
     */
    private static String checkpointPrefix(BertConfig config, Map<String, Safetensors.HostTensor> weights) {
        String prefixed = config.family().basePrefix() + ".";
        if (weights.containsKey(prefixed + "embeddings.word_embeddings.weight")) {
            return prefixed;
        }
        if (weights.containsKey("embeddings.word_embeddings.weight")) {
            return "";
        }
        throw new InvalidModelException(WEIGHTS_FILE + " has no tensor embeddings.word_embeddings.weight (nor "
                + prefixed + "embeddings.word_embeddings.weight): not a " + config.family().modelType()
                + " checkpoint; it has e.g. " + weights.keySet().stream().limit(3).toList());
    }

    /** config.json's layer count against the layers the weights hold, and no encoder tensor left unused. */
    private static void checkLayers(BertConfig config, Map<String, Safetensors.HostTensor> weights, String prefix) {
        boolean distil = config.family() == BertConfig.Family.DISTILBERT;
        String expected = prefix + (distil ? "transformer.layer.0." : "encoder.layer.0.");
        String other = prefix + (distil ? "encoder.layer.0." : "transformer.layer.0.");
        if (weights.keySet().stream().noneMatch(n -> n.startsWith(expected))
                && weights.keySet().stream().anyMatch(n -> n.startsWith(other))) {
            throw new InvalidModelException(WEIGHTS_FILE + " is laid out as a " + (distil ? "BERT/RoBERTa" : "DistilBERT")
                    + " checkpoint (" + other + "...), but config.json has model_type \"" + config.family().modelType()
                    + "\"");
        }
        int found = 0;
        for (String name : weights.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (name.startsWith(prefix) && m.find()) {
                found = Math.max(found, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (found != config.layers()) {
            throw new InvalidModelException("config.json has " + (config.family() == BertConfig.Family.DISTILBERT
                    ? "n_layers " : "num_hidden_layers ") + config.layers() + " but " + WEIGHTS_FILE + " holds "
                    + found + " layers");
        }
    }

    private static String sizes(BertConfig c) {
        return "vocab_size " + c.vocabSize() + ", hidden size " + c.hiddenSize() + ", intermediate size "
                + c.intermediateSize() + ", max_position_embeddings " + c.maxPositions()
                + (c.family() == BertConfig.Family.DISTILBERT ? "" : ", type_vocab_size " + c.typeVocabSize())
                + (c.labels().isEmpty() ? "" : ", " + c.labels().size() + " labels");
    }

    /** tokenizer_config.json's model_max_length, when it is a real limit (transformers writes 1e30 for none). */
    private static int modelMaxLength(Path dir) throws IOException {
        Path file = dir.resolve(TextTokenizer.CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            return Integer.MAX_VALUE;
        }
        double max = ConfigJson.JSON.readTree(file.toFile()).path("model_max_length").asDouble(Integer.MAX_VALUE);
        return max >= 1 && max < Integer.MAX_VALUE ? (int) max : Integer.MAX_VALUE;
    }

    /** transformers' _init_weights: Linear weights N(0, 0.02) (initializer_range), biases 0, LayerNorm 1 and 0. */
    private static Initializer seeded(String name, BertConfig config, long seed) {
        double std = config.json().path("initializer_range").asDouble(0.02);
        boolean norm = name.contains("LayerNorm") || name.contains("layer_norm");
        return (manager, shape, dataType) -> {
            float[] values = new float[Math.toIntExact(shape.size())];
            if (norm && name.endsWith(".weight")) {
                Arrays.fill(values, 1f);
            } else if (name.endsWith(".weight")) {
                SplittableRandom random = new SplittableRandom(CnnInitializers.mix(seed, name));
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (CnnInitializers.gaussian(random) * std);
                }
            }
            NDArray array = manager.create(values, shape);
            return dataType == DataType.FLOAT32 ? array : array.toType(dataType, false);
        };
    }

    public BertConfig config() {
        return config;
    }

    public BertBlock block() {
        return block;
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    public SentencePooling pooling() {
        return pooling;
    }

    public Model model() {
        return model;
    }

    public NDManager manager() {
        return model.getNDManager();
    }

    public Device device() {
        return manager().getDevice();
    }

    /** Every parameter by its transformers name. */
    public Map<String, Parameter> namedParameters() {
        return block.namedParameters();
    }

    /** Token ids of the texts with special tokens, truncated to the model's length; not padded. */
    public TokenizedTexts tokenize(List<String> texts) {
        return new TokenizedTexts(tokenizer.encode(texts), new int[0]);
    }

    /** input_ids and attention_mask of the texts, padded to the longest, in manager. */
    public NDList inputs(NDManager manager, List<String> texts) {
        TokenizedTexts tokens = tokenize(texts);
        return tokens.batch(manager, null, 0, tokens.size(), tokenizer.padId());
    }

    /** The block's outputs in inference mode (dropout off). */
    public NDList forward(NDList inputs) {
        return block.forward(new ParameterStore(inputs.head().getManager(), false), inputs, false);
    }

    /**
     * Sentence embeddings as sentence-transformers computes them for this folder (pooling and normalisation from
     * modules.json), one row per text; only for a base model.
     */
    public float[][] embed(List<String> texts) {
        if (block.task() != Task.ENCODER) {
            throw new IllegalStateException("sentence embeddings come from a base model, not a "
                    + config.architectures());
        }
        try (NDManager batch = manager().newSubManager()) {
            NDList inputs = inputs(batch, texts);
            NDArray pooled = pooling.pool(forward(inputs).get(0), inputs.get(1));
            float[] flat = pooled.toFloatArray();
            int h = config.hiddenSize();
            float[][] rows = new float[texts.size()][];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = Arrays.copyOfRange(flat, i * h, (i + 1) * h);
            }
            return rows;
        }
    }

    /**
     * Writes config.json, model.safetensors (transformers names, {"format": "pt"} metadata, the tied decoder not
     * duplicated) and the tokenizer files; a base model also keeps its sentence-transformers files.
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Safetensors.writeParameters(dir.resolve(WEIGHTS_FILE), block.namedParameters());
        config.write(dir.resolve(BertConfig.FILE));
        if (sourceDir.toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())) {
            return;
        }
        TextTokenizer.copy(sourceDir, dir);
        if (block.task() == Task.ENCODER) {
            for (String name : List.of(SentencePooling.MODULES_FILE, SentencePooling.SBERT_CONFIG_FILE,
                    "1_Pooling/config.json")) {
                Path from = sourceDir.resolve(name);
                if (Files.isRegularFile(from)) {
                    Files.createDirectories(dir.resolve(name).getParent());
                    Files.copy(from, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }
}
