package io.modelhub.runners.recipes.crossmodal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.runners.recipes.data.PairedDataset;
import io.modelhub.runners.recipes.encoders.Pooling;
import io.modelhub.runners.recipes.text.TextTokenizer;
import io.modelhub.runners.recipes.text.TokenizedTexts;
import io.modelhub.runners.recipes.text.bert.BertBlock;
import io.modelhub.runners.recipes.text.bert.BertConfig;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A transformers BERT-family encoder (bert, roberta, xlm-roberta, distilbert; any *ForX head and the pooler
 * dropped) mean-pooled over real tokens, as sentence-transformers pools e.g. all-MiniLM-L6-v2, with the model's
 * tokenizer.json. Its tensors are read under the base model's names or the *ForX names ("bert.", "roberta.",
 * "distilbert."), and the dual encoder keeps them under the base model's names.
 */
final class BertTextTower implements Tower {
    private final BertConfig config;
    private final BertBlock encoder;
    private final TextTokenizer tokenizer;
    private final Path tokenizerDir;
    private final Block pooled;

    BertTextTower(BertConfig config, Path tokenizerDir) {
        this.config = config.withTask(BertConfig.Task.ENCODER, List.of());
        this.encoder = new BertBlock(this.config, BertConfig.Task.ENCODER, false, 0);
        this.tokenizerDir = tokenizerDir;
        try {
            this.tokenizer = TextTokenizer.load(tokenizerDir, config.maxTokens());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the text tower's tokenizer.json in " + tokenizerDir, e);
        }
        this.pooled = new MeanPooled(encoder, config.hiddenSize());
    }

    /** input_ids, attention_mask -> mean of the last hidden states where the mask is 1. */
    private static final class MeanPooled extends AbstractBlock {
        private final BertBlock encoder;
        private final int hidden;

        MeanPooled(BertBlock encoder, int hidden) {
            super((byte) 1);
            this.encoder = addChildBlock("encoder", encoder);
            this.hidden = hidden;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDArray states = encoder.forward(ps, inputs, training, params).head();
            return new NDList(Pooling.maskedMean(states, inputs.get(1)));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(inputShapes[0].get(0), hidden)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            encoder.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    public String modality() {
        return "text";
    }

    @Override
    public String modelType() {
        return config.family().modelType();
    }

    @Override
    public PairedDataset.Kind kind() {
        return PairedDataset.Kind.TEXT;
    }

    @Override
    public Block block() {
        return pooled;
    }

    @Override
    public int featureSize() {
        return config.hiddenSize();
    }

    @Override
    public Shape[] inputShapes() {
        return new Shape[] {new Shape(1, 4), new Shape(1, 4)};
    }

    @Override
    public NDList inputs(NDManager manager, List<String> texts) {
        TokenizedTexts tokens = new TokenizedTexts(tokenizer.encode(texts), new int[0]);
        return tokens.batch(manager, null, 0, tokens.size(), tokenizer.padId());
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return encoder.namedParameters();
    }

    /** A base model's tensor, or the same tensor of a *ForX checkpoint (under "bert." etc.). */
    @Override
    public Safetensors.HostTensor tensor(Map<String, Safetensors.HostTensor> file, String name) {
        Safetensors.HostTensor tensor = file.get(name);
        return tensor != null ? tensor : file.get(config.family().basePrefix() + "." + name);
    }

    @Override
    public JsonNode config() {
        return config.json();
    }

    @Override
    public void writeFiles(Path dir) throws IOException {
        if (!tokenizerDir.toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())) {
            TextTokenizer.copy(tokenizerDir, dir);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    @Override
    public String describe() {
        return config.family().modelType() + " encoder (" + config.layers() + " layers, hidden "
                + config.hiddenSize() + ", mean-pooled)";
    }
}
