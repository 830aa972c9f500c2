package io.modelhub.runners.recipes.crossmodal;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.PairedDataset;
import io.modelhub.runners.recipes.vision.CnnBlock;
import io.modelhub.runners.recipes.vision.CnnConfig;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The modelhub-cnn backbone: conv stages globally averaged into (batch, last channels); its head is dropped. */
final class VisionTower implements Tower {
    private final CnnConfig config;
    private final Block block;
    private final Map<String, Parameter> named = new LinkedHashMap<>();
    private final float[][] scale = new float[3][256];

    VisionTower(CnnConfig config) {
        if (!config.isClassic()) {
            // the tower reuses the conv stages only; grey input, dense layers or a flatten head are not in it
            throw new InvalidModelException("a vision tower needs a modelhub-cnn of the original architecture (RGB, "
                    + "batch norm, same padding, head avg, no hidden layers); this config.json has num_channels "
                    + config.numChannels() + ", batch_norm " + config.batchNorm() + ", padding " + config.padding()
                    + ", head " + config.head() + ", hidden_sizes " + config.hiddenSizes());
        }
        this.config = config;
        this.block = CnnBlock.convStages(config.channels(), config.kernelSize(), "backbone.", named);
        CnnBlock.checkNamed(named);
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                scale[c][v] = (v / 255f - config.imageMean()[c]) / config.imageStd()[c];
            }
        }
    }

    @Override
    public String modality() {
        return "vision";
    }

    @Override
    public String modelType() {
        return CnnConfig.MODEL_TYPE;
    }

    @Override
    public PairedDataset.Kind kind() {
        return PairedDataset.Kind.IMAGE;
    }

    @Override
    public Block block() {
        return block;
    }

    @Override
    public int featureSize() {
        return config.lastChannels();
    }

    @Override
    public Shape[] inputShapes() {
        return new Shape[] {new Shape(1, 3, config.imageSize(), config.imageSize())};
    }

    @Override
    public NDList inputs(NDManager manager, List<String> files) {
        int size = config.imageSize();
        int plane = size * size;
        float[] data = new float[files.size() * 3 * plane];
        for (int b = 0; b < files.size(); b++) {
            byte[] rgb = DecodedImages.decode(java.nio.file.Path.of(files.get(b)), size);
            int base = b * 3 * plane;
            for (int p = 0; p < plane; p++) {
                data[base + p] = scale[0][rgb[p * 3] & 0xff];
                data[base + plane + p] = scale[1][rgb[p * 3 + 1] & 0xff];
                data[base + 2 * plane + p] = scale[2][rgb[p * 3 + 2] & 0xff];
            }
        }
        return new NDList(manager.create(data, new Shape(files.size(), 3, size, size)));
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return named;
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
        return "modelhub-cnn backbone " + config.channels() + " at " + config.imageSize() + " px";
    }
}
