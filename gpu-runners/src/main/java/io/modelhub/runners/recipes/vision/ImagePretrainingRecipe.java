package io.modelhub.runners.recipes.vision;

import ai.djl.Device;
import io.modelhub.contract.ParamSpec;
import io.modelhub.runners.recipes.Params;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.training.ClassifierTraining;
import io.modelhub.runners.recipes.training.Epochs;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Trains a modelhub-cnn image classifier from scratch (supervised) on an imagefolder dataset and writes
 * config.json and model.safetensors: the platform's own vision base models come from here.
 * <p>
 * Version 2 exposes the architecture ({@link CnnConfig}) as parameters; their defaults are version 1's network,
 * so a version 1 job's parameters train the same model. The seeds' Keras MNIST CNN is image_size 28,
 * color_mode grayscale, conv_channels "32,64", batch_norm false, padding valid, head flatten, hidden_sizes "64".
 */
public final class ImagePretrainingRecipe implements Recipe {

    public static final String ID = "image-pretraining";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String modality() {
        return "vision";
    }

    @Override
    public String task() {
        return "image-classification";
    }

    @Override
    public String version() {
        // 3: conv_channels and hidden_sizes are int_list parameters, checked when the job is submitted
        return "3";
    }

    @Override
    public List<ParamSpec> parameters() {
        return ClassifierTraining.withTrainingParameters(
                Epochs.seedParameter(
                        "seeds weight initialisation, data order and the validation split if the dataset has none"),
                ParamSpec.integer("image_size", 32, CnnConfig.MIN_IMAGE_SIZE, 512,
                        "images are resized to image_size x image_size pixels"),
                ParamSpec.choice("color_mode", "rgb", List.of("rgb", "grayscale"),
                        "rgb: 3 input channels; grayscale: 1 (the luma of each pixel), e.g. for MNIST"),
                ParamSpec.intList("conv_channels", "16,32,64", 1, CnnConfig.MAX_STAGE_CHANNELS,
                        "output channels of each conv stage, comma-separated, e.g. \"32,64\""),
                ParamSpec.integer("kernel_size", CnnConfig.DEFAULT_KERNEL_SIZE, 1, 15, "conv kernel side (odd)"),
                ParamSpec.bool("batch_norm", true, "batch norm after every conv (else the conv has a bias)"),
                ParamSpec.choice("padding", CnnConfig.PADDING_SAME,
                        List.of(CnnConfig.PADDING_SAME, CnnConfig.PADDING_VALID),
                        "same: convs keep the map size; valid: no padding, each conv trims kernel_size - 1"),
                ParamSpec.choice("head", CnnConfig.HEAD_AVG, List.of(CnnConfig.HEAD_AVG, CnnConfig.HEAD_FLATTEN),
                        "avg: global average of the last stage (any image size); flatten: max pool and flatten it"),
                ParamSpec.intList("hidden_sizes", "", 1, CnnConfig.MAX_HIDDEN_SIZE,
                        "widths of dense ReLU layers before the classifier, comma-separated, e.g. \"64\"; "
                                + "empty: none"),
                ParamSpec.number("dropout", 0, 0, CnnConfig.MAX_DROPOUT,
                        "dropout rate on the input of every dense layer (0: none)"));
    }

    /** The network the parameters ask for; a clear error naming the parameter when they do not make one. */
    static CnnConfig config(Params params, List<String> labels) {
        int channels = "grayscale".equals(params.getString("color_mode")) ? 1 : 3;
        float[] half = new float[channels];
        Arrays.fill(half, 0.5f);
        try {
            return new CnnConfig(params.getInt("image_size"), channels,
                    params.getInts("conv_channels"),
                    params.getInt("kernel_size"), params.getBoolean("batch_norm"), params.getString("padding"),
                    params.getString("head"), params.getInts("hidden_sizes"),
                    (float) params.getDouble("dropout"), half, half, labels);
        } catch (InvalidModelException e) {
            throw new IllegalArgumentException("The architecture parameters do not make a network: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public boolean needsBaseModel() {
        return false;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        Params params = Params.of(parameters(), ctx.params());
        ClassifierTraining.Options options = ClassifierTraining.Options.of(params, false);
        ImageFolderDataset dataset = ImageFolderDataset.open(ctx.datasetDir(), options.seed());
        dataset.notes().forEach(ctx::log);
        // checked before decoding, so a bad architecture fails in milliseconds, not after reading every image
        CnnConfig config = config(params, dataset.labels());
        ImageClassificationData data = ImageClassificationData.decode(dataset, config.imageSize());
        ctx.log("Dataset: " + data.describe());

        Device device = Torch.preferredDevice();
        ctx.log("Training modelhub-cnn " + describe(config) + " from scratch with " + Torch.describe(device));
        try (CnnModel model = CnnModel.create(config, options.seed(), device)) {
            return new ClassifierTraining<DecodedImages, CnnModel>(this, ctx, options, data.splits(),
                    CnnModel::loadCheckpoint, "images").run(model, Map.of());
        }
    }

    /** E.g. "[16, 32, 64]" for the default network, "1x28x28 conv [32, 64] valid, flatten, dense [64]" otherwise. */
    static String describe(CnnConfig config) {
        if (config.isClassic()) {
            return config.channels().toString();
        }
        return config.numChannels() + "x" + config.imageSize() + "x" + config.imageSize() + " conv "
                + config.channels() + " " + config.padding() + (config.batchNorm() ? " + batch norm" : "") + ", "
                + config.head() + (config.hiddenSizes().isEmpty() ? "" : ", dense " + config.hiddenSizes())
                + (config.dropout() > 0 ? ", dropout " + config.dropout() : "");
    }
}
