package io.modelhub.runners.recipes.crossmodal;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.contract.ModelTypes;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.data.PairedDataset;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.ImageBatch;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.recipes.vision.resnet.ResNetBlock;
import io.modelhub.runners.recipes.vision.resnet.TimmResNetConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A timm ResNet (resnet18..152, torchvision names) without its fc: the feature is the globally average-pooled
 * output of layer4, num_features wide (512 for resnet18/34, 2048 from resnet50), what timm's
 * {@code forward_head(forward_features(x), pre_logits=True)} returns. Images are resized whole to the config's
 * input size and normalised with its mean and std, as image-classification feeds the same model.
 * <p>
 * Batch norm keeps its running statistics, also while the tower trains (train "all"): every forward pass, training
 * or not, normalises with the pretrained running mean and variance and never updates them; its scale and shift
 * (and every conv) still learn. A contrastive batch is small and its items are compared with each other, so batch
 * statistics would let one item's normalisation depend on the others in its batch (the in-batch leak MoCo's
 * shuffled BN exists to stop) and would make training see different activations from the inference the index and
 * the search widget run; the running statistics of the pretrained model are also the better estimate on a small
 * paired dataset. Frozen towers (train "projections") compute exactly the base model's features.
 * <p>
 * The dual encoder embeds the config with num_classes 0 (timm's feature extractor), so the tower is rebuilt from
 * the dual encoder's config.json alone.
 */
final class ResNetTower implements Tower {
    private final TimmResNetConfig config;
    private final ResNetBlock block;

    ResNetTower(TimmResNetConfig config) {
        this.config = config.withoutClassifier();
        this.block = new ResNetBlock(this.config);
        block.setBackboneTraining(false);
    }

    /** A tower from a timm config.json: a model folder's, or the one a dual encoder embedded. */
    static ResNetTower fromConfig(JsonNode json) {
        return new ResNetTower(TimmResNetConfig.parse(json.toString()));
    }

    @Override
    public String modality() {
        return "vision";
    }

    @Override
    public String modelType() {
        return ModelTypes.TIMM;
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
        return config.architecture().numFeatures();
    }

    @Override
    public Shape[] inputShapes() {
        return new Shape[] {new Shape(1, 3, config.imageSize(), config.imageSize())};
    }

    @Override
    public NDList inputs(NDManager manager, List<String> files) {
        List<Path> paths = files.stream().map(Path::of).toList();
        DecodedImages images = DecodedImages.of(new LabelledFiles("pairs", paths, new int[paths.size()]),
                config.imageSize());
        return new NDList(ImageBatch.tensor(manager, images, null, 0, paths.size(), config.mean(), config.std(), null));
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return block.namedParameters();
    }

    /**
     * Tensors of layers this architecture does not have (a resnet34's layer3.5 under a resnet18 config.json) are
     * refused; fc (any size) and num_batches_tracked are not the tower's and are ignored.
     */
    @Override
    public void checkBase(Map<String, Safetensors.HostTensor> file) {
        TreeSet<String> unexpected = new TreeSet<>(file.keySet());
        unexpected.removeAll(block.namedParameters().keySet());
        unexpected.removeIf(name -> name.startsWith("fc.") || name.endsWith(".num_batches_tracked"));
        if (!unexpected.isEmpty()) {
            throw new InvalidModelException("model.safetensors has tensors a " + config.architecture().id()
                    + " does not: " + unexpected.stream().limit(5).toList() + (unexpected.size() > 5 ? " and "
                    + (unexpected.size() - 5) + " more" : "") + "; is config.json's architecture right?");
        }
    }

    @Override
    public JsonNode config() {
        try {
            return ConfigJson.JSON.readTree(config.toJson());
        } catch (java.io.IOException e) {
            throw new InvalidModelException("cannot write the ResNet tower's config: " + e.getMessage());
        }
    }

    @Override
    public String describe() {
        return "timm " + config.architecture().id() + " at " + config.imageSize() + " px, pooled "
                + featureSize() + " features";
    }
}
