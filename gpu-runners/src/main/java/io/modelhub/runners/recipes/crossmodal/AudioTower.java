package io.modelhub.runners.recipes.crossmodal;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.recipes.audio.AudioConfig;
import io.modelhub.runners.recipes.audio.CnnAudioEncoder;
import io.modelhub.runners.recipes.audio.LogMel;
import io.modelhub.runners.recipes.audio.LogMelSpec;
import io.modelhub.runners.recipes.audio.WavDecoder;
import io.modelhub.runners.recipes.audio.Waveform;
import io.modelhub.runners.recipes.data.PairedDataset;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** The modelhub-audio encoder over log-mel images, pooled to (batch, last channels); its head is dropped. */
final class AudioTower implements Tower {
    /** As the audio recipes read clips: a little past the end, so resampling sees the samples after it. */
    private static final double READ_MARGIN_SECONDS = 0.05;
    private final AudioConfig config;
    private final CnnAudioEncoder encoder;
    private final LogMel logMel;

    AudioTower(AudioConfig config) {
        this.config = config;
        this.encoder = CnnAudioEncoder.of(config);
        this.logMel = new LogMel(config.features());
    }

    @Override
    public String modality() {
        return "audio";
    }

    @Override
    public String modelType() {
        return AudioConfig.MODEL_TYPE;
    }

    @Override
    public PairedDataset.Kind kind() {
        return PairedDataset.Kind.AUDIO;
    }

    @Override
    public Block block() {
        return encoder.block();
    }

    @Override
    public int featureSize() {
        return encoder.hiddenSize();
    }

    @Override
    public Shape[] inputShapes() {
        return new Shape[] {new Shape(1, 1, config.features().nMels(), config.features().frames())};
    }

    @Override
    public NDList inputs(NDManager manager, List<String> files) {
        LogMelSpec spec = config.features();
        int each = spec.nMels() * spec.frames();
        float[] data = new float[files.size() * each];
        for (int i = 0; i < files.size(); i++) {
            Waveform wave = WavDecoder.read(Path.of(files.get(i)), spec.clipSeconds() + READ_MARGIN_SECONDS);
            System.arraycopy(logMel.features(wave.resampledTo(spec.sampleRate()).samples()), 0, data, i * each, each);
        }
        return new NDList(manager.create(data, new Shape(files.size(), 1, spec.nMels(), spec.frames())));
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return encoder.namedParameters();
    }

    @Override
    public JsonNode config() {
        try {
            return new ObjectMapper().readTree(config.toJson());
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String describe() {
        return encoder.describe();
    }
}
