package io.modelhub.runners.serving;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.contract.ModelTypes;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.audio.AudioClassifierModel;
import io.modelhub.runners.recipes.audio.AudioConfig;
import io.modelhub.runners.recipes.audio.wav2vec2.Wav2Vec2Classifier;
import io.modelhub.runners.recipes.audio.wav2vec2.Wav2Vec2Evaluator;
import io.modelhub.runners.recipes.data.DatasetException;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.TextSplit;
import io.modelhub.runners.recipes.encoders.TorchScriptEncoder;
import io.modelhub.runners.recipes.text.MaskedLanguageModel;
import io.modelhub.runners.recipes.text.TextClassifier;
import io.modelhub.runners.recipes.text.TextClassifierModel;
import io.modelhub.runners.recipes.text.TextEncoderConfig;
import io.modelhub.runners.recipes.text.TextTokenizer;
import io.modelhub.runners.recipes.text.TokenizedTexts;
import io.modelhub.runners.recipes.text.bert.BertConfig;
import io.modelhub.runners.recipes.text.bert.BertModel;
import io.modelhub.runners.recipes.text.bert.BertTextClassifier;
import io.modelhub.runners.recipes.text.bert.SentencePooling;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import io.modelhub.runners.recipes.vision.CnnConfig;
import io.modelhub.runners.recipes.vision.CnnModel;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.resnet.ResNetClassifier;
import io.modelhub.runners.recipes.vision.vit.ViTClassifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Loads a model folder for inference by its config.json: BERT-family base models answer feature-extraction
 * (sentence-transformers folders the pooled sentence embedding, and sentence-similarity; others the per-token hidden
 * states), *ForSequenceClassification models and the platform text classifiers answer text-classification,
 * *ForMaskedLM models and the platform's pre-trained modelhub-text encoders fill-mask ({@link FillMask}),
 * modelhub-cnn, timm ResNets and transformers ViTs answer image-classification, and modelhub-audio and
 * wav2vec2/HuBERT classifiers audio-classification ({@link AudioClassification}). The model classes are the ones
 * the recipes train and evaluate with; this only feeds them the requests.
 */
public final class ServedModels {
    private static final String SENTENCE_SIMILARITY = InferenceProtocol.SENTENCE_SIMILARITY;
    /** transformers' image-classification pipeline returns the top 5 by default. */
    static final int IMAGE_TOP_K = 5;

    private ServedModels() {
    }

    /**
     * The model in {@code dir}, or why it cannot be served. A message names the model's files as the repository
     * spells them ("model has no config.json"), never the runner's download cache, whose path is no business of
     * the caller who reads the message in the API's answer.
     *
     * @throws InvalidModelException when the folder is not a model this runner serves, or a file of it is missing
     *                               or unreadable
     */
    public static ServedModel load(Path dir) throws IOException {
        try {
            return loadFrom(dir);
        } catch (InvalidModelException | DatasetException e) {
            throw new InvalidModelException(withoutFolder(e.getMessage(), dir), e);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidModelException("model has no " + withoutFolder(e.getFile(), dir), e);
        } catch (IOException e) {
            throw new IOException(withoutFolder(e.getMessage(), dir), e);
        }
    }

    /** The message with the folder's path cut from the paths of its files, and "the model" for the folder itself. */
    static String withoutFolder(String message, Path dir) {
        if (message == null) {
            return null;
        }
        java.util.Set<String> spellings = new java.util.LinkedHashSet<>();
        // not a relative spelling: "model" would also be cut out of the words of the message
        spellings.add(dir.toAbsolutePath().toString());
        spellings.add(dir.toAbsolutePath().normalize().toString());
        try {
            spellings.add(dir.toRealPath().toString());
        } catch (IOException e) {
            // a folder that is gone has no other spelling
        }
        String out = message;
        // longest first: a spelling may be the start of another
        for (String folder : spellings.stream().sorted(java.util.Comparator.comparingInt(String::length).reversed())
                .toList()) {
            out = out.replace(folder + dir.getFileSystem().getSeparator(), "").replace(folder, "the model");
        }
        return out;
    }

    private static ServedModel loadFrom(Path dir) throws IOException {
        String type = ConfigJson.modelType(dir);
        Device device = Torch.preferredDevice();
        if (ModelTypes.BERT_FAMILY.contains(type)) {
            BertConfig config = BertConfig.read(dir.resolve(BertConfig.FILE));
            return switch (config.task()) {
                case ENCODER -> new FeatureExtraction(BertModel.load(dir, device),
                        Files.isRegularFile(dir.resolve(SentencePooling.MODULES_FILE)));
                case SEQUENCE_CLASSIFICATION -> new TextClassification(BertTextClassifier.load(dir, device));
                case MASKED_LM -> FillMask.of(BertModel.load(dir, device));
            };
        }
        if (type.equals(TextEncoderConfig.MODEL_TYPE)
                && !TextEncoderConfig.read(dir.resolve(MaskedLanguageModel.CONFIG_FILE)).isClassifier()) {
            // without labels it is what text-pretraining writes: the encoder with its masked-LM head
            return maskedLanguageModel(dir, device);
        }
        if (type.equals(TextEncoderConfig.MODEL_TYPE) || type.equals(TorchScriptEncoder.MODEL_TYPE)) {
            return new TextClassification(TextClassifierModel.load(dir, device));
        }
        if (type.equals(CnnConfig.MODEL_TYPE)) {
            CnnModel model = CnnModel.load(dir, device);
            return new ImageClassification<>(model, model.config().labels(), model.config().imageSize());
        }
        if (type.equals(ModelTypes.TIMM)) {
            ResNetClassifier model = ResNetClassifier.load(dir, device);
            return new ImageClassification<>(model, model.labels(), model.imageSize());
        }
        if (type.equals(ModelTypes.VIT)) {
            ViTClassifier model = ViTClassifier.load(dir, device);
            return new ImageClassification<>(model, model.labels(), model.imageSize());
        }
        if (type.equals(AudioConfig.MODEL_TYPE)) {
            AudioClassifierModel model = AudioClassifierModel.load(dir, device);
            // every clip is cut or padded to the model's clip length, as in training
            return new AudioClassification<>(model, model.config().labels(), model::features, (clips, i) -> 0);
        }
        if (ModelTypes.AUDIO_PRETRAINED.contains(type)) {
            Wav2Vec2Classifier model = Wav2Vec2Classifier.load(dir, device);
            return new AudioClassification<>(model, model.labels(),
                    split -> model.examples(split, Wav2Vec2Evaluator.MAX_SECONDS), (clips, i) -> clips.clip(i).length);
        }
        if (type.equals(ModelTypes.DUAL_ENCODER)) {
            return ZeroShotImageClassification.load(dir, device);
        }
        throw new InvalidModelException("config.json " + (type.isEmpty() ? "names no model_type" : "has model_type \""
                + type + "\"") + "; inference serves " + String.join(", ", ModelTypes.BERT_FAMILY) + ", "
                + TextEncoderConfig.MODEL_TYPE + ", " + TorchScriptEncoder.MODEL_TYPE + ", " + CnnConfig.MODEL_TYPE
                + ", " + ModelTypes.TIMM + ", " + ModelTypes.VIT + ", " + AudioConfig.MODEL_TYPE + ", "
                + String.join(", ", ModelTypes.AUDIO_PRETRAINED) + " and " + ModelTypes.DUAL_ENCODER
                + " models (see docs/inference.md)");
    }

    private static FillMask maskedLanguageModel(Path dir, Device device) throws IOException {
        MaskedLanguageModel model = MaskedLanguageModel.load(dir, device);
        TextTokenizer tokenizer;
        try {
            tokenizer = TextTokenizer.load(dir, model.config().maxPositions());
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
        return FillMask.of(model, tokenizer);
    }

    /**
     * The texts of a batch of requests, flattened for one forward pass. For a request whose input does not fit (the
     * task, its texts, then {@code check}), {@code texts} holds null and {@code answers} its error; the other answers
     * are null until the caller fills them in.
     */
    record TextBatch(List<Texts> texts, List<ServedModel.Answer> answers, List<String> all) {
        static TextBatch of(List<Work> works, String task, java.util.function.Consumer<Work> check) {
            TextBatch batch = new TextBatch(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            for (Work work : works) {
                try {
                    requireTask(work, task);
                    Texts t = Texts.of(work);
                    check.accept(work);
                    batch.texts.add(t);
                    batch.all.addAll(t.texts());
                    batch.answers.add(null);
                } catch (BadInput e) {
                    batch.texts.add(null);
                    batch.answers.add(new ServedModel.Answer(null, e));
                }
            }
            return batch;
        }
    }

    /** The request's texts: "inputs" as one text or a list of them; single tells which the caller sent. */
    record Texts(List<String> texts, boolean single) {
        static Texts of(Work work) {
            if (work.data() != null) {
                throw new BadInput("this model reads text: send JSON {\"inputs\": \"a text\"}, not raw bytes");
            }
            if (work.inputs() instanceof String text) {
                return new Texts(List.of(text), true);
            }
            if (work.inputs() instanceof List<?> list && !list.isEmpty() && list.stream().allMatch(String.class::isInstance)) {
                return new Texts(list.stream().map(String.class::cast).toList(), false);
            }
            throw new BadInput("\"inputs\" must be a text or a list of texts for this model");
        }
    }

    /**
     * The file of an image or audio request: the raw body, or base64 "inputs" (a data: URL too), which is how
     * InferenceClient sends a file that comes with parameters.
     *
     * @param what "an image", "audio": what the model reads, for the message
     */
    static byte[] binaryInput(Work work, String what) {
        if (work.data() != null) {
            return work.data();
        }
        if (work.inputs() instanceof String base64) {
            try {
                String payload = base64.startsWith("data:") ? base64.substring(base64.indexOf(',') + 1) : base64;
                return Base64.getMimeDecoder().decode(payload);
            } catch (IllegalArgumentException e) {
                throw new BadInput("\"inputs\" is not " + what + " encoded as base64: " + e.getMessage());
            }
        }
        throw new BadInput("this model reads " + what + ": send its bytes as the body, or {\"inputs\": \"<base64>\"}");
    }

    static BadInput notAnImage(int bytes) {
        return new BadInput("the input is not an image this runner can read (PNG, JPEG, BMP, GIF, TIFF or WebP; got "
                + bytes + " bytes)");
    }

    static void requireTask(Work work, String task) {
        if (work.task() != null && !work.task().equals(task)) {
            throw new BadInput(work.repo() + " is a " + task + " model; it does not serve " + work.task());
        }
    }

    /** [[{"label", "score"}, ...]] per text, all labels by default, as the text-classification pipeline answers. */
    static final class TextClassification implements ServedModel {
        private final TextClassifier model;

        TextClassification(TextClassifier model) {
            this.model = model;
        }

        @Override
        public String task() {
            return InferenceProtocol.TEXT_CLASSIFICATION;
        }

        @Override
        public Object run(Work work) throws Exception {
            return runAlone(work);
        }

        /** One forward pass over the texts of all the requests. */
        @Override
        public List<Answer> runBatch(List<Work> works) {
            TextBatch textBatch = TextBatch.of(works, task(), work -> { });
            List<Texts> texts = textBatch.texts();
            List<Answer> answers = textBatch.answers();
            List<String> all = textBatch.all();
            if (all.isEmpty()) {
                return answers;
            }
            float[] flat;
            TokenizedTexts tokens = model.tokenize(new TextSplit("inputs", all, new int[0]));
            try (NDManager batch = model.manager().newSubManager()) {
                flat = model.logits(model.batchInputs(batch, tokens, null, 0, tokens.size())).toFloatArray();
            }
            int labels = model.labels().size();
            int row = 0;
            for (int w = 0; w < works.size(); w++) {
                if (texts.get(w) == null) {
                    continue;
                }
                List<Object> out = new ArrayList<>();
                try {
                    for (int i = 0; i < texts.get(w).texts().size(); i++, row++) {
                        out.add(LabelScores.of(Arrays.copyOfRange(flat, row * labels, (row + 1) * labels),
                                model.labels(), works.get(w).parameters(), labels));
                    }
                    answers.set(w, new Answer(out, null));
                } catch (BadInput e) {
                    row += texts.get(w).texts().size() - out.size();
                    answers.set(w, new Answer(null, e));
                }
            }
            return answers;
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /**
     * A sentence-transformers folder: the pooled (and, as modules.json says, normalised) embedding per text, a
     * vector for one text and a list of vectors for a list; given {"source_sentence", "sentences"} (or asked for
     * sentence-similarity) the cosines of {@link SentenceSimilarity}. Otherwise the last hidden state per token,
     * [1][tokens][hidden] per text, as the transformers feature-extraction pipeline returns.
     */
    static final class FeatureExtraction implements ServedModel {
        private final BertModel model;
        private final boolean sentenceTransformers;

        FeatureExtraction(BertModel model, boolean sentenceTransformers) {
            this.model = model;
            this.sentenceTransformers = sentenceTransformers;
        }

        @Override
        public String task() {
            return InferenceProtocol.FEATURE_EXTRACTION;
        }

        private Texts texts(Work work) {
            if (work.task() != null && !work.task().equals(task()) && !work.task().equals(SENTENCE_SIMILARITY)) {
                throw new BadInput(work.repo() + " is a feature-extraction model; it does not serve " + work.task());
            }
            if (SENTENCE_SIMILARITY.equals(work.task()) || work.inputs() instanceof Map) {
                if (!sentenceTransformers) {
                    throw new BadInput(work.repo() + " is not a sentence-transformers model (no modules.json): it "
                            + "answers feature-extraction per token, not sentence-similarity");
                }
                return SentenceSimilarity.of(work).texts();
            }
            return Texts.of(work);
        }

        /**
         * Sentence embeddings of all the requests' texts in one pass (a similarity request's source sentence and
         * sentences among them); per-token states stay one text at a time.
         */
        @Override
        public List<Answer> runBatch(List<Work> works) {
            if (!sentenceTransformers) {
                return ServedModel.super.runBatch(works);
            }
            List<Texts> texts = new ArrayList<>();
            List<String> all = new ArrayList<>();
            for (Work work : works) {
                try {
                    Texts t = texts(work);
                    texts.add(t);
                    all.addAll(t.texts());
                } catch (BadInput e) {
                    texts.add(null);
                }
            }
            float[][] embeddings = all.isEmpty() ? new float[0][] : model.embed(all);
            List<Answer> answers = new ArrayList<>();
            int row = 0;
            for (int w = 0; w < works.size(); w++) {
                Texts t = texts.get(w);
                if (t == null) {
                    answers.add(ServedModel.super.runBatch(List.of(works.get(w))).get(0));
                    continue;
                }
                float[][] mine = Arrays.copyOfRange(embeddings, row, row + t.texts().size());
                row += t.texts().size();
                if (SENTENCE_SIMILARITY.equals(works.get(w).task()) || works.get(w).inputs() instanceof Map) {
                    answers.add(new Answer(SentenceSimilarity.cosines(mine), null));
                    continue;
                }
                if (Boolean.TRUE.equals(works.get(w).parameters().get("normalize"))) {
                    for (float[] e : mine) {
                        normalize(e);
                    }
                }
                answers.add(new Answer(t.single() ? mine[0] : mine, null));
            }
            return answers;
        }

        @Override
        public Object run(Work work) throws Exception {
            Texts texts = texts(work);
            if (sentenceTransformers) {
                return runAlone(work);
            }
            int hidden = model.config().hiddenSize();
            List<Object> out = new ArrayList<>();
            for (String text : texts.texts()) {
                try (NDManager batch = model.manager().newSubManager()) {
                    NDList inputs = model.inputs(batch, List.of(text));
                    float[] flat = model.forward(inputs).get(0).toFloatArray();
                    float[][] tokens = new float[flat.length / hidden][];
                    for (int t = 0; t < tokens.length; t++) {
                        tokens[t] = Arrays.copyOfRange(flat, t * hidden, (t + 1) * hidden);
                    }
                    out.add(List.of((Object) tokens));
                }
            }
            return texts.single() ? out.get(0) : out;
        }

        private static void normalize(float[] v) {
            double norm = 0;
            for (float x : v) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < v.length && norm > 0; i++) {
                v[i] /= (float) norm;
            }
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /**
     * An image (the raw body, or base64 "inputs" when parameters came with it), resized as the model's recipe does,
     * answered [{"label", "score"}, ...] with the top 5 by default. The images of a batch of requests, all resized
     * to the model's size, go through one forward pass.
     */
    static final class ImageClassification<M extends TrainableClassifier<DecodedImages>> implements ServedModel {
        private final M model;
        private final List<String> labels;
        private final int imageSize;

        ImageClassification(M model, List<String> labels, int imageSize) {
            this.model = model;
            this.labels = labels;
            this.imageSize = imageSize;
        }

        @Override
        public String task() {
            return InferenceProtocol.IMAGE_CLASSIFICATION;
        }

        @Override
        public Object run(Work work) throws Exception {
            return runAlone(work);
        }

        @Override
        public List<Answer> runBatch(List<Work> works) {
            MediaBatch<DecodedImages> images;
            try {
                images = MediaBatch.of(works, task(), "an image", work -> { },
                        files -> DecodedImages.of(files, imageSize), (e, file, bytes) -> notAnImage(bytes));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            List<Answer> answers = images.answers();
            if (images.prepared() == null) {
                return answers;
            }
            float[] logits;
            try (NDManager batch = model.manager().newSubManager()) {
                logits = model.logits(model.batchInputs(batch, images.prepared(), null, 0, images.size()))
                        .toFloatArray();
            }
            return LabelScores.perRow(works, images.rows(), answers, logits, labels, IMAGE_TOP_K);
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
