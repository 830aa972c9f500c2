package io.modelhub.runners.recipes.crossmodal;

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
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.audio.wav2vec2.FeatureExtractorConfig;
import io.modelhub.runners.recipes.audio.wav2vec2.Wav2Vec2Block;
import io.modelhub.runners.recipes.audio.wav2vec2.Wav2Vec2Config;
import io.modelhub.runners.recipes.audio.wav2vec2.Wav2Vec2Evaluator;
import io.modelhub.runners.recipes.audio.wav2vec2.Wav2Vec2Model;
import io.modelhub.runners.recipes.audio.wav2vec2.Waveforms;
import io.modelhub.runners.recipes.data.PairedDataset;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A transformers wav2vec2 or HuBERT encoder (a Wav2Vec2Model/HubertModel, or the encoder of any *ForX checkpoint,
 * read from under "wav2vec2."/"hubert."; its heads dropped). Its feature is the mean of the last hidden states over
 * the clip's real frames, the pooling of *ForSequenceClassification without its projector and classifier. Clips are
 * prepared as the model's Wav2Vec2FeatureExtractor says ({@link Waveforms}): mono, resampled to sampling_rate
 * (16 kHz for the published models), cut to {@value #MAX_SECONDS_FIELD} ({@link Wav2Vec2Evaluator#MAX_SECONDS} s
 * by default, as audio-classification), normalised per clip with do_normalize, right-padded per batch. As in
 * transformers, a model whose extractor returns an attention mask (feat_extract_norm "layer") masks the padding
 * and averages over the clip's own frames; one without (the "group" models such as wav2vec2-base, trained on
 * zero-padded batches) sees the zero padding and averages over every frame of the batch.
 * <p>
 * The dual encoder keeps the tensors under the base model's names and embeds the extractor
 * ({@value #EXTRACTOR_FIELD}) and the cut in the tower's config, so the tower is rebuilt from its config.json alone.
 */
final class Wav2Vec2Tower implements Tower {
    static final String EXTRACTOR_FIELD = "feature_extractor";
    static final String MAX_SECONDS_FIELD = "tower_max_duration_s";

    private final Wav2Vec2Config config;
    private final FeatureExtractorConfig extractor;
    private final double maxSeconds;
    private final Wav2Vec2Block encoder;
    private final Block feature;

    private Wav2Vec2Tower(Wav2Vec2Config config, FeatureExtractorConfig extractor, double maxSeconds) {
        this.config = config;
        this.extractor = extractor;
        this.maxSeconds = maxSeconds;
        this.encoder = new Wav2Vec2Block(config, false, 0);
        this.feature = new Feature(encoder, extractor.returnAttentionMask());
    }

    /**
     * A tower from a config.json: a model folder's ({@code files} holds its preprocessor_config.json), or the one a
     * dual encoder embedded.
     */
    static Wav2Vec2Tower fromConfig(JsonNode json, Path files) {
        Wav2Vec2Config config = Wav2Vec2Config.parse(json.toString());
        FeatureExtractorConfig extractor;
        try {
            extractor = json.path(EXTRACTOR_FIELD).isObject()
                    ? FeatureExtractorConfig.of((ObjectNode) json.get(EXTRACTOR_FIELD).deepCopy(), config)
                    : FeatureExtractorConfig.read(files, config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + FeatureExtractorConfig.FILE + " in " + files, e);
        }
        double maxSeconds = json.path(MAX_SECONDS_FIELD).asDouble(Wav2Vec2Evaluator.MAX_SECONDS);
        if (!(maxSeconds > 0)) {
            throw new InvalidModelException("config.json " + MAX_SECONDS_FIELD + " must be positive, not "
                    + json.get(MAX_SECONDS_FIELD));
        }
        return new Wav2Vec2Tower(config, extractor, maxSeconds);
    }

    /** input_values and attention_mask -> (batch, hidden): the masked mean of last_hidden_state. */
    private static final class Feature extends AbstractBlock {
        private final Wav2Vec2Block encoder;
        private final boolean masked;

        Feature(Wav2Vec2Block encoder, boolean masked) {
            super((byte) 1);
            this.encoder = addChildBlock("encoder", encoder);
            this.masked = masked;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            // the tower always gets a mask (its input count is fixed); a model trained without one never sees it
            NDList in = masked ? inputs : new NDList(inputs.get(0));
            return new NDList(encoder.pooledHiddenState(ps, in, training));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(inputShapes[0].get(0), encoder.config().hiddenSize())};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            encoder.initialize(manager, dataType, inputShapes[0]);
        }
    }

    @Override
    public String modality() {
        return "audio";
    }

    @Override
    public String modelType() {
        return config.modelType();
    }

    @Override
    public PairedDataset.Kind kind() {
        return PairedDataset.Kind.AUDIO;
    }

    @Override
    public Block block() {
        return feature;
    }

    @Override
    public int featureSize() {
        return config.hiddenSize();
    }

    @Override
    public Shape[] inputShapes() {
        int samples = Math.max(config.receptiveField(), extractor.samplingRate() / 10);
        return new Shape[] {new Shape(1, samples), new Shape(1, samples)};
    }

    @Override
    public NDList inputs(NDManager manager, List<String> files) {
        float[][] clips = new float[files.size()][];
        // each clip is independent, so a parallel pass gives the same values as a sequential one
        java.util.stream.IntStream.range(0, clips.length).parallel().forEach(i -> clips[i] =
                Waveforms.prepare(Path.of(files.get(i)), extractor, maxSeconds, config.receptiveField()));
        return Waveforms.pad(manager, clips, extractor, true);
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return encoder.namedParameters();
    }

    /** A base model's tensor, or the same tensor of a *ForX checkpoint (under "wav2vec2."/"hubert."). */
    @Override
    public Safetensors.HostTensor tensor(Map<String, Safetensors.HostTensor> file, String name) {
        return Wav2Vec2Model.encoderTensor(config, file, name);
    }

    /** The checkpoint's layer counts against config.json (extra layers would otherwise be dropped silently). */
    @Override
    public void checkBase(Map<String, Safetensors.HostTensor> file) {
        Wav2Vec2Model.checkEncoder(config, file);
    }

    /** The encoder's config.json (a base model's: no head, no labels) with the extractor and the cut. */
    @Override
    public JsonNode config() {
        ObjectNode json = config.json().deepCopy();
        json.putArray("architectures").add(config.modelType().equals("hubert") ? "HubertModel" : "Wav2Vec2Model");
        json.remove(List.of("id2label", "label2id"));
        json.set(EXTRACTOR_FIELD, extractor.json().deepCopy());
        json.put(MAX_SECONDS_FIELD, maxSeconds);
        return json;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s (%d conv layers, %d layers x %d, %d Hz%s, clips up to %.1f s), "
                        + "mean-pooled last hidden states", config.modelType(), config.convDim().size(),
                config.layers(), config.hiddenSize(), extractor.samplingRate(),
                extractor.returnAttentionMask() ? ", attention mask" : "", maxSeconds);
    }
}
