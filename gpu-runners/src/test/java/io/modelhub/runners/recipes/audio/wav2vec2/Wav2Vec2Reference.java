package io.modelhub.runners.recipes.audio.wav2vec2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.PythonReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The tiny seeded wav2vec2 / HuBERT folders and torchaudio outputs of src/test/scripts/wav2vec2_reference.py,
 * generated once per JVM.
 */
final class Wav2Vec2Reference {

    static final List<String> VARIANTS = List.of("wav2vec2-group", "wav2vec2-layer-stable", "hubert-group");
    private static Path root;

    private Wav2Vec2Reference() {
    }

    /** Skips (or fails in CI) without python3-torch and python3-torchaudio. */
    static synchronized Path root() throws IOException, InterruptedException {
        PythonReference.require("torch", "torchaudio");
        if (root == null) {
            Path dir = Files.createTempDirectory("wav2vec2-reference");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException e) {
                    // a temporary folder left behind is harmless
                }
            }));
            PythonReference.run("wav2vec2_reference.py", "generate", dir.toString());
            root = dir;
        }
        return root;
    }

    static Path model(String variant) throws IOException, InterruptedException {
        return root().resolve(variant);
    }

    static Map<String, Safetensors.HostTensor> reference(String variant) throws IOException, InterruptedException {
        return Safetensors.read(model(variant).resolve("reference.safetensors"));
    }

    /** input_values, and attention_mask when the model's preprocessor returns one. */
    static NDList inputs(NDManager manager, Map<String, Safetensors.HostTensor> reference, boolean withMask) {
        NDArray values = array(manager, reference.get("input_values"));
        return withMask ? new NDList(values, array(manager, reference.get("attention_mask"))) : new NDList(values);
    }

    static NDArray array(NDManager manager, Safetensors.HostTensor tensor) {
        return manager.create(tensor.data(), new Shape(tensor.shape()));
    }

    /** Max |a - b| of (batch, frames, hidden) states over each clip's real frames. */
    static double maxDiffOverRealFrames(float[] a, float[] b, long[] shape, long[] realFrames) {
        double max = 0;
        int frames = (int) shape[1];
        int hidden = (int) shape[2];
        for (int bi = 0; bi < shape[0]; bi++) {
            for (int f = 0; f < realFrames[bi]; f++) {
                for (int h = 0; h < hidden; h++) {
                    int i = (bi * frames + f) * hidden + h;
                    max = Math.max(max, Math.abs(a[i] - b[i]));
                }
            }
        }
        return max;
    }

    static double maxDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** Real frames of each clip: the conv lengths of its real samples (all frames without a mask). */
    static long[] realFrames(Wav2Vec2Config config, Safetensors.HostTensor mask, long frames) {
        int batch = (int) mask.shape()[0];
        int samples = (int) mask.shape()[1];
        long[] real = new long[batch];
        for (int b = 0; b < batch; b++) {
            int n = 0;
            for (int s = 0; s < samples; s++) {
                n += mask.data()[b * samples + s] > 0 ? 1 : 0;
            }
            real[b] = Math.min(frames, config.frames(n));
        }
        return real;
    }
}
