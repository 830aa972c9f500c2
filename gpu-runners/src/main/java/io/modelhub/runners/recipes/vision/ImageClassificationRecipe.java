package io.modelhub.runners.recipes.vision;

import ai.djl.Device;
import io.modelhub.contract.ModelTypes;
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
import io.modelhub.runners.recipes.training.TrainableClassifier;
import io.modelhub.runners.recipes.vision.resnet.ResNetClassifier;
import io.modelhub.runners.recipes.vision.vit.ViTClassifier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * Fine-tunes a pretrained image classifier on an imagefolder dataset with a new classification head sized to the
 * dataset's labels: the backbone's weights are loaded, the head is initialised afresh (seeded). Before training it
 * measures base_test_accuracy, the accuracy of that starting point (base backbone, untrained head) on the test
 * split, which the hub compares with the fine-tuned test_accuracy.
 * <p>
 * Base models, by config.json's model type ({@link #KINDS}): modelhub-cnn (Adam at a constant 1e-3, no
 * augmentation: what version 1 did) and timm ResNets (AdamW, 1e-3 warmed up over 10% of the steps then decayed
 * linearly, random resized crops) and transformers ViTs (AdamW, 5e-5 with the same schedule, at the checkpoint's
 * image size), written back in the base's own layout. See docs/vision-models.md.
 */
public final class ImageClassificationRecipe implements Recipe {

    public static final String ID = "image-classification";
    public static final String AUGMENT_NONE = "none";
    public static final String AUGMENT_CROP = "crop";
    public static final String AUGMENT_CROP_FLIP = "crop_flip";

    /** Builds the start of a fine-tune: the base's backbone under a new head, at an input size (0: its own). */
    @FunctionalInterface
    interface NewHead<M> {
        M create(Path baseDir, List<String> labels, long seed, Device device, int imageSize) throws IOException;
    }

    /** Has a model augment the batches of its training split. */
    @FunctionalInterface
    interface Augmenter<M> {
        void augment(M model, DecodedImages train, RandomResizedCrop crop);
    }

    /**
     * One kind of base model: its training defaults and how to build, resume and feed it. Supporting another kind
     * is one more entry in {@link #KINDS}.
     *
     * @param augmenter null: the kind trains on the images as they are
     */
    record Kind<M extends TrainableClassifier<DecodedImages>>(String name, double learningRate, double warmupRatio,
            String augment, NewHead<M> newHead, ClassifierTraining.CheckpointLoader<M> checkpoints,
            ToIntFunction<M> imageSize, Augmenter<M> augmenter) {
    }

    static final Map<String, Kind<?>> KINDS = kinds();

    private static Map<String, Kind<?>> kinds() {
        Map<String, Kind<?>> kinds = new LinkedHashMap<>();
        kinds.put(CnnConfig.MODEL_TYPE, new Kind<CnnModel>("modelhub-cnn", 1e-3, -1, AUGMENT_NONE,
                ImageClassificationRecipe::cnnWithNewHead, CnnModel::loadCheckpoint, m -> m.config().imageSize(),
                null));
        kinds.put(ModelTypes.TIMM, new Kind<ResNetClassifier>("timm ResNet", 1e-3, 0.1, AUGMENT_CROP,
                ResNetClassifier::withNewHead, ResNetClassifier::loadCheckpoint, ResNetClassifier::imageSize,
                ResNetClassifier::augment));
        // transformers' image-classification fine-tuning defaults; the position embeddings fix the input size
        kinds.put(ModelTypes.VIT, new Kind<ViTClassifier>("transformers ViT", 5e-5, 0.1, AUGMENT_NONE,
                ImageClassificationRecipe::vitWithNewHead, ViTClassifier::loadCheckpoint, ViTClassifier::imageSize,
                null));
        return Map.copyOf(kinds);
    }

    private static CnnModel cnnWithNewHead(Path baseDir, List<String> labels, long seed, Device device,
            int imageSize) throws IOException {
        CnnModel model = CnnModel.withNewHead(baseDir, labels, seed, device);
        if (imageSize != 0 && imageSize != model.config().imageSize()) {
            int own = model.config().imageSize();
            model.close();
            throw new IllegalArgumentException("image_size " + imageSize + ": a modelhub-cnn trains at its config's "
                    + "image_size " + own + " (use 0)");
        }
        return model;
    }

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

    /** 2: timm ResNet bases; learning_rate/warmup_ratio/augment defaults by base kind, image_size, max_grad_norm. */
    @Override
    public String version() {
        return "2";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(
                ParamSpec.integer("epochs", 5, 1, 200, "passes over the train split"),
                new ParamSpec("learning_rate", ParamSpec.FLOAT, null, 1e-6, 1.0, null,
                        "peak learning rate; default 1e-3 (Adam for modelhub-cnn, AdamW for timm ResNets)"),
                ParamSpec.integer("batch_size", 32, 1, 1024, "images per training step"),
                Epochs.seedParameter(
                        "seeds the new head, data order, augmentation and the validation split if the dataset has none"),
                ParamSpec.bool("freeze_backbone", false,
                        "train only the new classification head, keeping the pretrained backbone (batch norm "
                                + "statistics included) as it is"),
                ParamSpec.integer("image_size", 0, 0, 1024,
                        "pixels (square) images are resized to; 0 = the base model's own input size"),
                new ParamSpec("warmup_ratio", ParamSpec.FLOAT, null, 0.0, 1.0, null,
                        "fraction of the steps over which the learning rate rises from 0, then decays linearly to 0;"
                                + " default 0.1 for timm ResNets, a constant learning rate for modelhub-cnn"),
                ParamSpec.number("max_grad_norm", 0.0, 0.0, 1000.0,
                        "clip gradients to this global L2 norm before each step; 0 = no clipping"),
                new ParamSpec("augment", ParamSpec.STRING, null, null, null,
                        List.of(AUGMENT_NONE, AUGMENT_CROP, AUGMENT_CROP_FLIP),
                        "training-split augmentation: random resized crops (35-100% of the area, aspect 3:4-4:3), "
                                + "with crop_flip also horizontal flips (not for digits or text); default crop for "
                                + "timm ResNets, none for modelhub-cnn"));
    }

    private static ViTClassifier vitWithNewHead(Path baseDir, List<String> labels, long seed, Device device,
            int imageSize) throws IOException {
        ViTClassifier model = ViTClassifier.withNewHead(baseDir, labels, seed, device);
        if (imageSize != 0 && imageSize != model.imageSize()) {
            int own = model.imageSize();
            model.close();
            throw new IllegalArgumentException("image_size " + imageSize + ": a ViT's position embeddings fix its "
                    + "input at " + own + " px (use 0)");
        }
        return model;
    }

    @Override
    public List<String> modelTypes() {
        return KINDS.keySet().stream().sorted().toList();
    }

    @Override
    public boolean needsBaseModel() {
        return true;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        Params params = Params.of(parameters(), ctx.params());
        Path baseDir = ClassifierTraining.baseModelDir(ctx, this);
        String type = ConfigJson.modelType(baseDir);
        Kind<?> kind = KINDS.get(type);
        if (kind == null) {
            throw new InvalidModelException("config.json " + (type.isEmpty() ? "names no model type"
                    : "has model type \"" + type + "\"") + "; " + ID + " fine-tunes " + String.join(", ", modelTypes())
                    + " models (see docs/vision-models.md)");
        }
        return run(ctx, params, baseDir, kind);
    }

    private <M extends TrainableClassifier<DecodedImages>> RunResult run(RunContext ctx, Params params, Path baseDir,
            Kind<M> kind) throws Exception {
        double learningRate = params.has("learning_rate") ? params.getDouble("learning_rate") : kind.learningRate();
        double warmup = params.has("warmup_ratio") ? params.getDouble("warmup_ratio") : kind.warmupRatio();
        int batchSize = params.getInt("batch_size");
        ClassifierTraining.Options options = new ClassifierTraining.Options(params.getInt("epochs"),
                (float) learningRate, batchSize, params.getInt("seed"), params.getBoolean("freeze_backbone"),
                Math.max(32, Math.min(256, batchSize)), warmup, params.getDouble("max_grad_norm"), -1);
        String augment = params.has("augment") ? params.getString("augment") : kind.augment();
        if (!augment.equals(AUGMENT_NONE) && kind.augmenter() == null) {
            throw new IllegalArgumentException("augment \"" + augment + "\": " + kind.name() + " models train without "
                    + "augmentation (use \"none\")");
        }

        ImageFolderDataset dataset = ImageFolderDataset.open(ctx.datasetDir(), options.seed());
        dataset.notes().forEach(ctx::log);
        Device device = Torch.preferredDevice();
        try (M model = kind.newHead().create(baseDir, dataset.labels(), options.seed(), device,
                params.getInt("image_size"))) {
            // decoding names the first unreadable image, before any training step
            ImageClassificationData data = ImageClassificationData.decode(dataset, kind.imageSize().applyAsInt(model));
            ctx.log("Dataset: " + data.describe());
            if (!augment.equals(AUGMENT_NONE)) {
                RandomResizedCrop crop = augment.equals(AUGMENT_CROP_FLIP) ? RandomResizedCrop.DEFAULT
                        : RandomResizedCrop.DEFAULT.withoutFlip();
                kind.augmenter().augment(model, data.train(), crop);
                ctx.log(String.format(Locale.ROOT, "Augmenting the train split: random resized crops of %.0f-100%% "
                        + "of the area%s", crop.minScale() * 100, crop.flip() ? ", horizontal flips" : ""));
            }
            ctx.log("Fine-tuning a " + kind.name() + " (new labels " + dataset.labels().size() + ") with "
                    + Torch.describe(device));
            return new ClassifierTraining<DecodedImages, M>(this, ctx, options, data.splits(), kind.checkpoints(),
                    "images").fineTune(model, "backbone");
        }
    }
}
