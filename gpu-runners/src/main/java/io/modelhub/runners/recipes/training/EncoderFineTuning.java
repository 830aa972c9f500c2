package io.modelhub.runners.recipes.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.tracker.Tracker;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The training plumbing every transformers-encoder classifier (wav2vec2/HuBERT, ViT, the BERT family) shares: an
 * AdamW trainer, freezing the encoder or all but its top layers by layer index, and the checkpoint's labels check.
 * A family gives only what is its own: its input shapes, its encoder's name prefix and layer pattern, and what
 * under the encoder trains with the top layers (a final norm, a pooler).
 */
public final class EncoderFineTuning {

    private EncoderFineTuning() {
    }

    /**
     * A trainer with softmax cross-entropy on logits and {@link TrainableClassifier#adamWConfig AdamW} following
     * {@code learningRate}, initialised for inputs of these shapes.
     */
    public static Trainer adamWTrainer(Model model, Tracker learningRate, Device device, Shape... inputShapes) {
        Trainer trainer = model.newTrainer(TrainableClassifier.adamWConfig(learningRate, device));
        trainer.initialize(inputShapes);
        return trainer;
    }

    /** Freezes every parameter whose name starts with {@code prefix} (the encoder): only the head learns. */
    public static void freezeUnder(Map<String, Parameter> parameters, String prefix) {
        parameters.forEach((name, parameter) -> {
            if (name.startsWith(prefix)) {
                parameter.freeze(true);
            }
        });
    }

    /**
     * {@link TrainableClassifier#trainTopLayers}: only the top {@code layers} of the encoder's {@code layerCount}
     * numbered layers, what {@code alsoTrains} names and everything outside the encoder learn. 0 freezes the whole
     * encoder ({@link #freezeUnder}); at least the layer count trains everything, as -1 does.
     *
     * @param encoder the encoder's parameter name prefix
     * @param layer finds a parameter's layer index (group 1) in its name
     * @param alsoTrains parameters under the encoder, outside its layers, that train with the top layers
     */
    public static void trainTopLayers(int layers, int layerCount, Map<String, Parameter> parameters, String encoder,
            Pattern layer, Predicate<String> alsoTrains) {
        if (layers == 0) {
            freezeUnder(parameters, encoder);
            return;
        }
        if (layers < 0) {
            throw new IllegalArgumentException("trainable_layers must be -1 (all), 0 (head only) or a number of top "
                    + "layers, got " + layers);
        }
        if (layers >= layerCount) {
            return;
        }
        int first = layerCount - layers;
        parameters.forEach((name, parameter) -> {
            if (!name.startsWith(encoder) || alsoTrains.test(name)) {
                return;
            }
            Matcher m = layer.matcher(name);
            if (!(m.find() && Integer.parseInt(m.group(1)) >= first)) {
                parameter.freeze(true);
            }
        });
    }

    /**
     * The checkpoint loader's check: a checkpoint must classify this run's labels. Closes {@code resumed} and
     * refuses it when its labels differ from the fresh model's.
     */
    public static <C extends TrainableClassifier<?>> C sameLabels(Path dir, C resumed, List<String> resumedLabels,
            List<String> freshLabels) {
        if (!resumedLabels.equals(freshLabels)) {
            resumed.close();
            throw new InvalidModelException("checkpoint " + dir + " holds a classifier for labels "
                    + resumedLabels + ", but this run has " + freshLabels);
        }
        return resumed;
    }
}
