package io.modelhub.runners.recipes.text.bert;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.Trainer;
import io.modelhub.runners.recipes.data.TextSplit;
import io.modelhub.runners.recipes.text.TokenizedTexts;
import io.modelhub.runners.recipes.text.bert.BertConfig.Task;
import io.modelhub.runners.recipes.training.EncoderFineTuning;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.text.TextTokenizer;
import io.modelhub.runners.recipes.vision.ConfigJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A BERT-family *ForSequenceClassification as {@link io.modelhub.runners.recipes.training.ClassifierTraining}
 * trains it: fine-tuning starts from any base or *ForX checkpoint of the family with a new, seeded head, and every
 * checkpoint and the final model are transformers model folders (config.json with id2label, model.safetensors,
 * tokenizer files).
 */
public final class BertTextClassifier implements io.modelhub.runners.recipes.text.TextClassifier {

    private final BertModel model;
    private int maxLength;

    private BertTextClassifier(BertModel model) {
        this.model = model;
        this.maxLength = model.tokenizer().maxLength();
    }

    /** The encoder of {@code baseDir} under a new classification head for {@code labels}. */
    public static BertTextClassifier withNewHead(Path baseDir, List<String> labels, long seed, Device device)
            throws IOException {
        return new BertTextClassifier(BertModel.withNewHead(baseDir, Task.SEQUENCE_CLASSIFICATION, labels, seed,
                device));
    }

    /** A fine-tuned *ForSequenceClassification folder, ready to predict or to train further. */
    public static BertTextClassifier load(Path dir, Device device) throws IOException {
        BertModel model = BertModel.load(dir, device);
        if (model.block().task() != Task.SEQUENCE_CLASSIFICATION) {
            String architectures = model.config().architectures().toString();
            model.close();
            throw new InvalidModelException(dir + " is a " + architectures + ", not a "
                    + model.config().family().architecture(Task.SEQUENCE_CLASSIFICATION));
        }
        return new BertTextClassifier(model);
    }

    /** The checkpoint loader of the training loop: the checkpoint must classify this run's labels. */
    public static BertTextClassifier loadCheckpoint(Path dir, BertTextClassifier fresh) throws IOException {
        BertTextClassifier resumed = load(dir, fresh.device());
        return EncoderFineTuning.sameLabels(dir, resumed, resumed.labels(), fresh.labels());
    }

    public BertModel model() {
        return model;
    }

    public List<String> labels() {
        return model.config().labels();
    }

    /**
     * Texts are truncated to at most {@code tokens} from now on (never beyond the model's own limit), and saved
     * folders say so in tokenizer_config.json's model_max_length, so whoever loads them tokenizes as training did.
     *
     * @return the length in force
     */
    public int limitLength(int tokens) {
        maxLength = Math.max(2, Math.min(tokens, model.tokenizer().maxLength()));
        return maxLength;
    }

    public int maxLength() {
        return maxLength;
    }

    /** A split's texts as token ids with this model's tokenizer, truncated to {@link #maxLength}. */
    public TokenizedTexts tokenize(TextSplit split) {
        return TokenizedTexts.of(model.tokenizer(), split).truncated(maxLength);
    }

    @Override
    public Device device() {
        return model.device();
    }

    @Override
    public Trainer newTrainer(ai.djl.training.tracker.Tracker learningRate) {
        return EncoderFineTuning.adamWTrainer(model.model(), learningRate, device(), new Shape(1, 4),
                new Shape(1, 4));
    }

    /** Only the head learns: the encoder (for BERT its pooler too, as transformers' base model holds it) stays. */
    @Override
    public void freezeBackbone() {
        EncoderFineTuning.freezeUnder(model.namedParameters(), model.block().prefix());
    }

    /**
     * The top {@code layers} encoder layers, the pooler (BERT) and the head learn; the embeddings and the lower
     * layers stay. 0 is {@link #freezeBackbone}; {@code layers} at least the model's layer count trains everything,
     * embeddings included, as -1 does.
     */
    @Override
    public void trainTopLayers(int layers) {
        String encoder = model.block().prefix();
        Pattern layer = Pattern.compile("^" + Pattern.quote(encoder) + "(?:encoder|transformer)\\.layer\\.(\\d+)\\.");
        EncoderFineTuning.trainTopLayers(layers, model.config().layers(), model.namedParameters(), encoder, layer,
                name -> name.startsWith(encoder + "pooler."));
    }

    @Override
    public NDList batchInputs(NDManager manager, TokenizedTexts texts, int[] order, int from, int to) {
        return texts.batch(manager, order, from, to, model.tokenizer().padId());
    }

    /** Layer norm normalises each token on its own: a batch of one text trains like any other. */
    @Override
    public boolean usesBatchStatistics() {
        return false;
    }

    @Override
    public int numLabels() {
        return labels().size();
    }

    @Override
    public NDManager manager() {
        return model.manager();
    }

    @Override
    public NDArray logits(NDList inputs) {
        return model.forward(inputs).singletonOrThrow();
    }

    @Override
    public void save(Path dir) throws IOException {
        model.save(dir);
        if (maxLength < model.tokenizer().maxLength()) {
            Path file = dir.resolve(TextTokenizer.CONFIG_FILE);
            ObjectNode config = Files.isRegularFile(file)
                    ? (ObjectNode) ConfigJson.JSON.readTree(file.toFile()) : ConfigJson.JSON.createObjectNode();
            config.put("model_max_length", maxLength);
            Files.writeString(file, ConfigJson.toString(config), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
