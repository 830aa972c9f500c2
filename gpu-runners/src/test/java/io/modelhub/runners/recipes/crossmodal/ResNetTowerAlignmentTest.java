package io.modelhub.runners.recipes.crossmodal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.text.bert.BertConfig;
import io.modelhub.runners.recipes.text.bert.TinyBert;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.recipes.vision.resnet.ResNetClassifier;
import io.modelhub.runners.recipes.vision.resnet.TimmResNets;
import io.modelhub.runners.testing.PairedDatasetBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cross-modal-alignment takes a timm ResNet as its vision tower: the feature is the pooled output fc reads (the
 * same as the Java classifier's and torchvision's), batch norm keeps its running statistics while the tower trains,
 * and a small resnet18 aligned end to end with a TinyBert beats its untrained baseline and reloads from its folder.
 */
class ResNetTowerAlignmentTest {

    private static final long SEED = 5;
    private static final int SIZE = 32;

    @TempDir
    Path tmp;

    /** The tower's block with the folder's weights, in a model of its own. */
    static Model loaded(Tower tower, Path dir) throws Exception {
        Map<String, Safetensors.HostTensor> file = Safetensors.read(dir.resolve("model.safetensors"));
        tower.namedParameters().forEach((name, parameter) -> parameter.setInitializer(
                CnnInitializers.loaded(name, tower.tensor(file, name))));
        Model model = Model.newInstance("tower", Device.cpu(), Torch.ENGINE);
        model.setBlock(tower.block());
        tower.block().initialize(model.getNDManager(), DataType.FLOAT32, tower.inputShapes());
        return model;
    }

    /**
     * The random ResNet with batch norm statistics measured on the dataset's images, as a pretrained model has them
     * for its data: a random net's made-up statistics do not normalise, and frozen they leave the tower's
     * activations badly scaled, which no pretrained tower is.
     */
    private static Path calibrated(Path dir, Path pairs) throws Exception {
        List<String> images;
        try (var files = Files.list(pairs.resolve("train"))) {
            images = files.map(Path::toString).filter(f -> f.endsWith(".png")).sorted().limit(64).toList();
        }
        try (ResNetClassifier model = ResNetClassifier.load(dir, Device.cpu());
                Tower tower = Towers.of(dir);
                NDManager batch = model.manager().newSubManager()) {
            NDList inputs = tower.inputs(batch, images);
            // the running statistics move 10% of the way per batch: 40 passes leave 1.5% of the made-up ones
            for (int pass = 0; pass < 40; pass++) {
                model.block().features(new ParameterStore(batch, false), inputs.head(), true);
            }
            model.save(dir);
        }
        return dir;
    }

    static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(max <= tolerance, what + ": max abs diff " + max + " > " + tolerance);
    }

    /**
     * The feature is what the classifier's fc reads, and training does not change how batch norm normalises: a
     * training forward pass gives the inference features and leaves the running statistics as loaded, where the
     * classifier's own training pass (batch statistics) gives other features.
     */
    @Test
    void theFeatureIsThePooledOutputBeforeFcWithFrozenBatchNormStatistics() throws Exception {
        Path pairs = PairedDatasetBuilder.in(tmp.resolve("data")).pairs(4).seed(2).build();
        List<String> images = List.of("0000.png", "0001.png", "0002.png", "0003.png").stream()
                .map(f -> pairs.resolve("train").resolve(f).toString()).toList();
        Path dir = TimmResNets.random(tmp.resolve("resnet"), "resnet18", List.of("x", "y", "z"), SIZE, 3);
        assertEquals("vision", Towers.modality(dir));
        try (Tower tower = Towers.of(dir);
                Model model = loaded(tower, dir);
                ResNetClassifier classifier = ResNetClassifier.load(dir, Device.cpu());
                NDManager batch = model.getNDManager().newSubManager()) {
            assertEquals("timm", tower.modelType());
            assertEquals(512, tower.featureSize());
            assertEquals(0, tower.config().path("num_classes").asInt(-1), "the embedded config has no classifier");
            NDList inputs = tower.inputs(batch, images);
            assertEquals(new Shape(4, 3, SIZE, SIZE), inputs.head().getShape());
            float[] features = tower.block().forward(new ParameterStore(batch, false), inputs, false)
                    .singletonOrThrow().toFloatArray();
            ParameterStore store = new ParameterStore(batch, false);
            NDArray expected = classifier.block().features(store, inputs.head(), false);
            assertClose(expected.toFloatArray(), features, 1e-6, "tower vs the classifier's pooled features");
            // and they are what fc classifies
            NDArray fcWeight = classifier.block().namedParameters().get("fc.weight").getArray();
            NDArray fcBias = classifier.block().namedParameters().get("fc.bias").getArray();
            float[] logits = batch.create(features, new Shape(4, 512)).matMul(fcWeight.transpose()).add(fcBias)
                    .toFloatArray();
            assertClose(classifier.logits(inputs).toFloatArray(), logits, 1e-4, "fc(features) vs the logits");

            float[] runningMean = tower.namedParameters().get("layer2.0.bn1.running_mean").getArray().toFloatArray();
            float[] training = tower.block().forward(new ParameterStore(batch, false), inputs, true)
                    .singletonOrThrow().toFloatArray();
            assertClose(features, training, 1e-6, "a training pass of the tower (running statistics)");
            assertClose(runningMean, tower.namedParameters().get("layer2.0.bn1.running_mean").getArray()
                    .toFloatArray(), 0, "running mean after a training pass");
            float[] batchStatistics = classifier.block().features(new ParameterStore(batch, false), inputs.head(),
                    true).toFloatArray();
            double diff = 0;
            for (int i = 0; i < features.length; i++) {
                diff = Math.max(diff, Math.abs(features[i] - batchStatistics[i]));
            }
            assertTrue(diff > 1e-3, "batch statistics would have changed the features (max diff " + diff + ")");
        }
    }

    /** torchvision's resnet18 with fc as the identity gives the same features (the classifier's parity bound). */
    @Test
    void theFeatureIsTorchvisionsPooledOutput() throws Exception {
        Path reference = TimmResNets.reference();
        Map<String, Safetensors.HostTensor> io = Safetensors.read(reference.resolve("resnet18-io.safetensors"));
        Safetensors.HostTensor input = io.get("input");
        try (Tower tower = Towers.of(reference.resolve("resnet18"));
                Model model = loaded(tower, reference.resolve("resnet18"));
                NDManager batch = model.getNDManager().newSubManager()) {
            float[] features = tower.block().forward(new ParameterStore(batch, false),
                    new NDList(batch.create(input.data(), new Shape(input.shape()))), false)
                    .singletonOrThrow().toFloatArray();
            assertClose(io.get("features").data(), features, 1e-4, "tower vs torchvision features");
        }
    }

    /** A deeper checkpoint under a shallower config.json would lose its extra blocks silently: it is refused. */
    @Test
    void aCheckpointOfAnotherDepthIsRefused() throws Exception {
        Path dir = TimmResNets.random(tmp.resolve("resnet34"), "resnet34", List.of("x", "y"), SIZE, 3);
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("resnet34", "resnet18"));
        DualEncoder.Side side = new DualEncoder.Side("test/resnet@0", "file_name");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(
                io.modelhub.runners.recipes.vision.InvalidModelException.class,
                () -> DualEncoder.create(dir, side, dir, side, 8, 0.07, 1, Device.cpu()));
        assertTrue(e.getMessage().contains("model.safetensors has tensors a resnet18 does not: [layer1.2."),
                e.getMessage());
    }

    @Test
    void aResNetAndATinyBertAlignBeyondTheirUntrainedBaseline() throws Exception {
        Path pairs = PairedDatasetBuilder.in(tmp.resolve("data")).pairs(160).seed(7).build();
        Path resnet = calibrated(TimmResNets.random(tmp.resolve("resnet"), "resnet18", List.of("a", "b"), SIZE, 11),
                pairs);
        List<String> captions = new ArrayList<>();
        for (String shape : PairedDatasetBuilder.SHAPES) {
            for (String colour : PairedDatasetBuilder.COLOURS.keySet()) {
                for (String size : PairedDatasetBuilder.SIZES) {
                    captions.add(PairedDatasetBuilder.caption(shape, colour, size));
                }
            }
        }
        Path bert = TinyBert.write(tmp.resolve("bert"), BertConfig.Family.BERT, captions);
        Map<String, Object> params = Map.of("epochs", 5, "batch_size", 16, "projection_size", 16,
                "learning_rate", 0.0003, "seed", (int) SEED, "train", "all");
        Path out = TowerAlignment.run(tmp, pairs, resnet, bert, params, "text_to_image", "image_to_text",
                "ResNetTowerAlignmentTest", "timm resnet18 at 32 px, pooled 512 features");

        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        JsonNode vision = config.path("tower_b");
        assertEquals("vision", vision.path("modality").asText());
        assertEquals("resnet18", vision.path("config").path("architecture").asText());
        assertEquals(0, vision.path("config").path("num_classes").asInt());
        assertEquals(SIZE, vision.path("config").path("pretrained_cfg").path("input_size").path(1).asInt());
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(out.resolve("model.safetensors"));
        Map<String, Safetensors.HostTensor> base = Safetensors.read(resnet.resolve("model.safetensors"));
        assertTrue(!weights.containsKey("tower_b.fc.weight"), "the fc is dropped");
        // the towers trained, batch norm's statistics did not
        String conv = "layer3.0.conv1.weight";
        double moved = 0;
        for (int i = 0; i < base.get(conv).data().length; i++) {
            moved = Math.max(moved, Math.abs(base.get(conv).data()[i] - weights.get("tower_b." + conv).data()[i]));
        }
        assertTrue(moved > 1e-4, conv + " did not train (max change " + moved + ")");
        for (String stat : List.of("bn1.running_mean", "layer4.1.bn2.running_var")) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(base.get(stat).data(),
                    weights.get("tower_b." + stat).data(), 0f, stat);
        }
    }
}
