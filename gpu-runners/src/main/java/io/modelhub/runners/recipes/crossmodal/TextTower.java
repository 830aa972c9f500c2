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
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.recipes.data.PairedDataset;
import io.modelhub.runners.recipes.encoders.Pooling;
import io.modelhub.runners.recipes.text.TextEncoderBlock;
import io.modelhub.runners.recipes.text.TextEncoderConfig;
import io.modelhub.runners.recipes.text.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The modelhub-text encoder (its MLM or classification head dropped), mean-pooled over real tokens, with the
 * model's tokenizer.json. A dual encoder has one tokenizer.json at its root, so at most one tower may be text.
 */
final class TextTower implements Tower {
    private final TextEncoderConfig config;
    private final TextEncoderBlock encoder;
    private final TextTokenizer tokenizer;
    private final Path tokenizerDir;
    private final Block pooled;

    TextTower(TextEncoderConfig config, Path tokenizerDir) {
        this.config = config;
        this.encoder = new TextEncoderBlock(config, false);
        this.tokenizerDir = tokenizerDir;
        try {
            this.tokenizer = TextTokenizer.load(tokenizerDir, config.maxPositions());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the text tower's tokenizer.json in " + tokenizerDir, e);
        }
        this.pooled = new PooledEncoder(encoder);
    }

    /** input_ids, attention_mask -> mean of the token states where the mask is 1. */
    private static final class PooledEncoder extends AbstractBlock {
        private final TextEncoderBlock encoder;

        PooledEncoder(TextEncoderBlock encoder) {
            super((byte) 1);
            this.encoder = addChildBlock("encoder", encoder);
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray states = encoder.forward(ps, inputs, training, params).singletonOrThrow();
            return new NDList(Pooling.maskedMean(states, inputs.get(1)));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(inputShapes[0].get(0), encoder.config().hiddenSize())};
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
        return TextEncoderConfig.MODEL_TYPE;
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
        long[][] ids = tokenizer.encode(texts);
        int longest = 1;
        for (long[] row : ids) {
            longest = Math.max(longest, row.length);
        }
        long[] input = new long[ids.length * longest];
        long[] mask = new long[ids.length * longest];
        java.util.Arrays.fill(input, tokenizer.padId());
        for (int b = 0; b < ids.length; b++) {
            System.arraycopy(ids[b], 0, input, b * longest, ids[b].length);
            java.util.Arrays.fill(mask, b * longest, b * longest + ids[b].length, 1L);
        }
        Shape shape = new Shape(ids.length, longest);
        return new NDList(manager.create(input, shape), manager.create(mask, shape));
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return encoder.namedParameters();
    }

    @Override
    public JsonNode config() {
        try {
            return new ObjectMapper().readTree(config.toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        return "modelhub-text encoder (" + config.numLayers() + " layers, hidden " + config.hiddenSize() + ")";
    }
}
