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
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.PairedDataset;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.recipes.vision.vit.ViTBlock;
import io.modelhub.runners.recipes.vision.vit.ViTConfig;
import io.modelhub.runners.recipes.vision.vit.ViTImageProcessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A transformers ViT (ViTModel, or the encoder of a ViTForImageClassification; the classifier dropped). Its
 * feature is the pooler output (tanh(dense(CLS))) when the checkpoint has a pooler, as ViTModel checkpoints such as
 * google/vit-base-patch16-224-in21k do, else the CLS token of the last hidden state (after the final layernorm),
 * which is what ViTForImageClassification classifies. Images are preprocessed as the model's
 * preprocessor_config.json says. Tensors are read under ViTModel's names or under "vit."; the dual encoder keeps
 * them under ViTModel's names, and embeds the preprocessor and the choice of feature in the tower's config
 * ({@value #PROCESSOR_FIELD}, {@value #POOLING_FIELD}: "pooler" or "cls"), so the tower is rebuilt from the dual
 * encoder's config.json alone.
 */
final class ViTTower implements Tower {
    static final String PROCESSOR_FIELD = "image_processor";
    static final String POOLING_FIELD = "tower_pooling";

    private final ViTConfig config;
    private final ViTImageProcessor processor;
    private final boolean pooler;
    private final ViTBlock encoder;
    private final Block feature;
    private final float[][] pixelTable;

    private ViTTower(ViTConfig config, ViTImageProcessor processor, boolean pooler) {
        this.config = config;
        this.processor = processor;
        this.pooler = pooler;
        if (processor.size() != config.imageSize()) {
            throw new InvalidModelException(ViTImageProcessor.FILE + " resizes images to " + processor.size()
                    + " px but config.json has image_size " + config.imageSize());
        }
        this.encoder = new ViTBlock(config, ViTConfig.Task.ENCODER, pooler, 0);
        this.feature = new Feature(encoder, pooler, featureSize());
        this.pixelTable = processor.lookupTable();
    }

    /**
     * A ViT tower from a config.json: a model folder's ({@code files} holds its preprocessor_config.json and
     * model.safetensors), or the one a dual encoder embedded.
     */
    static ViTTower fromConfig(JsonNode json, Path files) {
        ViTConfig config = ViTConfig.parse(json.toString()).withTask(ViTConfig.Task.ENCODER, List.of());
        try {
            ViTImageProcessor processor = json.path(PROCESSOR_FIELD).isObject()
                    ? ViTImageProcessor.of((ObjectNode) json.get(PROCESSOR_FIELD).deepCopy())
                    : ViTImageProcessor.read(files);
            boolean pooler;
            if (json.path(POOLING_FIELD).isTextual()) {
                pooler = json.get(POOLING_FIELD).asText().equals("pooler");
            } else {
                Set<String> names = Safetensors.names(files.resolve("model.safetensors"));
                pooler = names.contains("pooler.dense.weight") || names.contains("vit.pooler.dense.weight");
            }
            return new ViTTower(config, processor, pooler);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ViT tower's files in " + files, e);
        }
    }

    /** pixel_values -> (batch, feature size): the pooler output, or the CLS token. */
    private static final class Feature extends AbstractBlock {
        private final ViTBlock encoder;
        private final boolean pooler;
        private final int size;

        Feature(ViTBlock encoder, boolean pooler, int size) {
            super((byte) 1);
            this.encoder = addChildBlock("encoder", encoder);
            this.pooler = pooler;
            this.size = size;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDList out = encoder.forward(ps, inputs, training, params);
            NDArray features = pooler ? out.get(1) : out.get(0).get(":, 0, :");
            return new NDList(features);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(inputShapes[0].get(0), size)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            encoder.initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    public String modality() {
        return "vision";
    }

    @Override
    public String modelType() {
        return ViTConfig.MODEL_TYPE;
    }

    @Override
    public PairedDataset.Kind kind() {
        return PairedDataset.Kind.IMAGE;
    }

    @Override
    public Block block() {
        return feature;
    }

    @Override
    public int featureSize() {
        return pooler ? config.poolerSize() : config.hiddenSize();
    }

    @Override
    public Shape[] inputShapes() {
        return new Shape[] {new Shape(1, config.numChannels(), config.imageSize(), config.imageSize())};
    }

    @Override
    public NDList inputs(NDManager manager, List<String> files) {
        int size = config.imageSize();
        List<byte[]> images = new ArrayList<>(files.size());
        for (String file : files) {
            images.add(DecodedImages.decode(Path.of(file), size));
        }
        return new NDList(manager.create(ViTImageProcessor.pixelValues(pixelTable, images, size),
                new Shape(files.size(), config.numChannels(), size, size)));
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return encoder.namedParameters();
    }

    /** A ViTModel's tensor, or the same tensor of a ViTForImageClassification (under "vit."). */
    @Override
    public Safetensors.HostTensor tensor(Map<String, Safetensors.HostTensor> file, String name) {
        Safetensors.HostTensor tensor = file.get(name);
        return tensor != null ? tensor : file.get("vit." + name);
    }

    @Override
    public JsonNode config() {
        ObjectNode json = config.json().deepCopy();
        json.set(PROCESSOR_FIELD, processor.json().deepCopy());
        json.put(POOLING_FIELD, pooler ? "pooler" : "cls");
        return json;
    }

    @Override
    public String describe() {
        return config.describe() + ", " + (pooler ? "pooler output" : "CLS token") + " features";
    }
}
