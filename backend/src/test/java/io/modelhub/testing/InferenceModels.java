package io.modelhub.testing;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Small models the serving runners load, with answers that follow from their weights: for the inference tests of the
 * API (backend) and of the model page's widget (ui). Each returns the repository's builder, so a test can add a card
 * or make it private before {@link HubApi.RepoBuilder#create()}.
 */
public final class InferenceModels {
    /** Logit scale of the colour classifier's head: a pure colour gives logits (2, 0). */
    public static final float COLOUR_HEAD = 2f;

    private InferenceModels() {
    }

    /**
     * A modelhub-cnn on 8x8 images: one conv stage whose filter 0 passes the centre pixel's red channel and filter 1
     * its blue one, identity batch norm, ReLU, global average pooling, and a head (2 0; 0 2). A pure red image
     * (normalised red 1, blue -1) gives features (1, 0) and logits (2, 0); blue the other way round.
     */
    public static HubApi.RepoBuilder colourClassifier(String name) {
        float[] conv = new float[2 * 3 * 3 * 3];
        conv[(0 * 3 + 0) * 9 + 4] = 1; // filter 0, red channel, centre tap
        conv[(1 * 3 + 2) * 9 + 4] = 1; // filter 1, blue channel, centre tap
        byte[] weights = Safetensors.builder()
                .f32("backbone.conv0.weight", conv, 2, 3, 3, 3)
                .f32("backbone.bn0.weight", new float[] {1, 1}, 2)
                .f32("backbone.bn0.bias", new float[] {0, 0}, 2)
                .f32("backbone.bn0.running_mean", new float[] {0, 0}, 2)
                .f32("backbone.bn0.running_var", new float[] {1, 1}, 2)
                .f32("classifier.weight", new float[] {COLOUR_HEAD, 0, 0, COLOUR_HEAD}, 2, 2)
                .f32("classifier.bias", new float[] {0, 0}, 2)
                .build();
        String config = """
                {"architectures": ["ModelHubCnnForImageClassification"], "model_type": "modelhub-cnn",
                 "image_size": 8, "num_channels": 3, "channels": [2], "kernel_size": 3,
                 "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "num_labels": 2,
                 "id2label": {"0": "red", "1": "blue"}, "label2id": {"red": 0, "blue": 1}}
                """;
        return HubApi.model(name).file("config.json", config).file("model.safetensors", weights);
    }

    /**
     * A modelhub-cnn of the demo's image classifier's size (demo/shapes-cnn: 32x32 RGB, conv stages 16/32/64 with
     * batch norm, the four shape labels) with seeded random weights: the same work per image, without training it.
     */
    public static HubApi.RepoBuilder shapesSizedCnn(String name) {
        SplittableRandom random = new SplittableRandom(18);
        Safetensors st = Safetensors.builder();
        int[] channels = {16, 32, 64};
        int in = 3;
        for (int i = 0; i < channels.length; i++) {
            int out = channels[i];
            st.f32("backbone.conv" + i + ".weight", noise(random, out * in * 9), out, in, 3, 3);
            float[] ones = new float[out];
            Arrays.fill(ones, 1f);
            st.f32("backbone.bn" + i + ".weight", ones, out).f32("backbone.bn" + i + ".bias", new float[out], out)
                    .f32("backbone.bn" + i + ".running_mean", new float[out], out)
                    .f32("backbone.bn" + i + ".running_var", ones, out);
            in = out;
        }
        st.f32("classifier.weight", noise(random, 4 * in), 4, in).f32("classifier.bias", new float[4], 4);
        String config = """
                {"architectures": ["ModelHubCnnForImageClassification"], "model_type": "modelhub-cnn",
                 "image_size": 32, "num_channels": 3, "channels": [16, 32, 64], "kernel_size": 3,
                 "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "num_labels": 4,
                 "id2label": {"0": "circle", "1": "cross", "2": "square", "3": "triangle"},
                 "label2id": {"circle": 0, "cross": 1, "square": 2, "triangle": 3}}
                """;
        return HubApi.model(name).file("config.json", config).file("model.safetensors", st.build());
    }

    /** The words the BERT classifiers' tokenizer knows; other words are [UNK]. */
    public static final List<String> BERT_WORDS = List.of("a", "an", "good", "awful", "movie", "hello");

    /**
     * A BertForSequenceClassification (1 layer, hidden 8) with seeded random encoder weights. With {@code readsText}
     * false its head ignores them (classifier weight 0, bias (0, ln 3)), so every text scores positive 0.75, negative
     * 0.25; with true the head is seeded random too, so the scores depend on the text.
     */
    public static HubApi.RepoBuilder bertClassifier(String name, boolean readsText) {
        int vocab = TokenizerJson.SPECIALS.size() + BERT_WORDS.size();
        int h = 8;
        SplittableRandom random = new SplittableRandom(15);
        Safetensors st = Safetensors.builder();
        bertEncoder(st, random, vocab, h);
        st.f32("bert.pooler.dense.weight", noise(random, h * h), h, h).f32("bert.pooler.dense.bias", noise(random, h), h);
        float[] head = new float[2 * h];
        if (readsText) {
            // large enough that texts of different words land on visibly different scores
            for (int i = 0; i < head.length; i++) {
                head[i] = (float) (random.nextDouble() - 0.5) * 4f;
            }
        }
        st.f32("classifier.weight", head, 2, h).f32("classifier.bias", new float[] {0, (float) Math.log(3)}, 2);
        String config = """
                {"architectures": ["BertForSequenceClassification"], "model_type": "bert", "vocab_size": %d,
                 "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16,
                 "hidden_act": "gelu", "max_position_embeddings": 16, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
                 "pad_token_id": 0, "id2label": {"0": "negative", "1": "positive"},
                 "label2id": {"negative": 0, "positive": 1}}
                """.formatted(vocab);
        return HubApi.model(name).file("config.json", config).file("model.safetensors", st.build())
                .file("tokenizer.json", TokenizerJson.wordLevel(BERT_WORDS));
    }

    /**
     * A BertForMaskedLM over {@link #BERT_WORDS} (1 layer, hidden 8) whose head ignores the encoder: transform dense
     * and LayerNorm all 0, so the logits are cls.predictions.bias alone: ln 3 for "good", 0 for every other id.
     */
    public static HubApi.RepoBuilder fillMask(String name) {
        int vocab = TokenizerJson.SPECIALS.size() + BERT_WORDS.size();
        int h = 8;
        Safetensors st = Safetensors.builder();
        bertEncoder(st, new SplittableRandom(16), vocab, h);
        st.f32("cls.predictions.transform.dense.weight", new float[h * h], h, h)
                .f32("cls.predictions.transform.dense.bias", new float[h], h)
                .f32("cls.predictions.transform.LayerNorm.weight", new float[h], h)
                .f32("cls.predictions.transform.LayerNorm.bias", new float[h], h);
        float[] bias = new float[vocab];
        bias[TokenizerJson.SPECIALS.size() + BERT_WORDS.indexOf("good")] = (float) Math.log(3);
        st.f32("cls.predictions.bias", bias, vocab);
        String config = """
                {"architectures": ["BertForMaskedLM"], "model_type": "bert", "vocab_size": %d,
                 "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16,
                 "hidden_act": "gelu", "max_position_embeddings": 16, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
                 "pad_token_id": 0}
                """.formatted(vocab);
        return HubApi.model(name).file("config.json", config).file("model.safetensors", st.build())
                .file("tokenizer.json", TokenizerJson.wordLevel(BERT_WORDS));
    }

    /**
     * A modelhub-audio classifier (one conv stage of 2 channels over a 16 x 50 log-mel image) whose head ignores the
     * features: classifier weight 0, bias (0, ln 3), so every clip scores yes 0.75, no 0.25.
     */
    public static HubApi.RepoBuilder audioClassifier(String name) {
        SplittableRandom random = new SplittableRandom(17);
        byte[] weights = Safetensors.builder()
                .f32("backbone.conv0.weight", noise(random, 2 * 9), 2, 1, 3, 3)
                .f32("backbone.bn0.weight", new float[] {1, 1}, 2)
                .f32("backbone.bn0.bias", new float[] {0, 0}, 2)
                .f32("backbone.bn0.running_mean", new float[] {0, 0}, 2)
                .f32("backbone.bn0.running_var", new float[] {1, 1}, 2)
                .f32("classifier.weight", new float[4], 2, 2)
                .f32("classifier.bias", new float[] {0, (float) Math.log(3)}, 2)
                .build();
        String config = """
                {"architectures": ["ModelHubAudioCnn"], "model_type": "modelhub-audio", "sample_rate": 16000,
                 "n_fft": 512, "win_length": 400, "hop_length": 160, "n_mels": 16, "frames": 50,
                 "mel_scale": "htk", "normalization": "per_utterance", "num_channels": 1, "channels": [2],
                 "kernel_size": 3, "hidden_size": 2, "num_labels": 2, "id2label": {"0": "no", "1": "yes"},
                 "label2id": {"no": 0, "yes": 1}}
                """;
        return HubApi.model(name).file("config.json", config).file("model.safetensors", weights);
    }

    /** A mono 16-bit PCM WAV of a 440 Hz tone. */
    public static byte[] wav(int rate, int samples) {
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * samples).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + 2 * samples).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate)
                .putInt(rate * 2).putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(2 * samples);
        for (int i = 0; i < samples; i++) {
            b.putShort((short) Math.round(8000 * Math.sin(2 * Math.PI * 440 * i / rate)));
        }
        return b.array();
    }

    /** A 1-layer BERT encoder (hidden h, intermediate 2h) under "bert.", seeded random weights, LayerNorms 1 and 0. */
    private static void bertEncoder(Safetensors st, SplittableRandom random, int vocab, int h) {
        int inner = 2 * h;
        st.f32("bert.embeddings.word_embeddings.weight", noise(random, vocab * h), vocab, h);
        st.f32("bert.embeddings.position_embeddings.weight", noise(random, 16 * h), 16, h);
        st.f32("bert.embeddings.token_type_embeddings.weight", noise(random, 2 * h), 2, h);
        norm(st, "bert.embeddings.LayerNorm", h);
        String layer = "bert.encoder.layer.0.";
        for (String part : List.of("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense")) {
            st.f32(layer + part + ".weight", noise(random, h * h), h, h).f32(layer + part + ".bias", noise(random, h), h);
        }
        norm(st, layer + "attention.output.LayerNorm", h);
        st.f32(layer + "intermediate.dense.weight", noise(random, inner * h), inner, h).f32(layer + "intermediate.dense.bias", noise(random, inner), inner);
        st.f32(layer + "output.dense.weight", noise(random, h * inner), h, inner).f32(layer + "output.dense.bias", noise(random, h), h);
        norm(st, layer + "output.LayerNorm", h);
    }

    /** A 16x16 PNG of one colour. */
    public static byte[] png(Color colour) {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                image.setRGB(x, y, colour.getRGB());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static float[] noise(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (random.nextDouble() - 0.5) * 0.2f;
        }
        return v;
    }

    private static void norm(Safetensors st, String prefix, int h) {
        float[] ones = new float[h];
        Arrays.fill(ones, 1f);
        st.f32(prefix + ".weight", ones, h).f32(prefix + ".bias", new float[h], h);
    }
}
