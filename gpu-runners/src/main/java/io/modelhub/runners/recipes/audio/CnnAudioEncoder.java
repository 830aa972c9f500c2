package io.modelhub.runners.recipes.audio;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.modelhub.runners.recipes.vision.CnnBlock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The platform audio encoder: modelhub-cnn's conv tower ({@link CnnBlock#convStages}) over the one-channel
 * log-mel image, globally averaged over mel bands and frames into a (batch, last channels) embedding. The tensor
 * names are those of the image CNN ("backbone.conv0.weight", "backbone.bn0.running_mean", ...).
 */
public final class CnnAudioEncoder implements AudioEncoder {

    private final List<Integer> channels;
    private final Block block;
    private final Map<String, Parameter> named;

    public CnnAudioEncoder(List<Integer> channels, int kernelSize) {
        Map<String, Parameter> names = new LinkedHashMap<>();
        this.channels = List.copyOf(channels);
        this.block = CnnBlock.convStages(channels, kernelSize, "backbone.", names);
        CnnBlock.checkNamed(names);
        this.named = Collections.unmodifiableMap(names);
    }

    public static CnnAudioEncoder of(AudioConfig config) {
        return new CnnAudioEncoder(config.channels(), config.kernelSize());
    }

    @Override
    public Block block() {
        return block;
    }

    @Override
    public int hiddenSize() {
        return channels.get(channels.size() - 1);
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return named;
    }

    @Override
    public String describe() {
        return AudioConfig.MODEL_TYPE + " CNN " + channels;
    }
}
