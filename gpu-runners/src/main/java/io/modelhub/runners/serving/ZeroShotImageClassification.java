package io.modelhub.runners.serving;

import ai.djl.Device;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.recipes.crossmodal.DualEncoder;
import io.modelhub.runners.recipes.vision.InvalidModelException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A dual encoder of the cross-modal-alignment recipe (model_type modelhub-dual-encoder) with a text and a vision
 * tower, serving two tasks with the recipe's own {@link DualEncoder}:
 * <ul>
 *   <li>zero-shot-image-classification (its own task): an image against {@code candidate_labels}, each put into
 *   {@code hypothesis_template} ("This is a photo of {}." by default), answered [{"label", "score"}] best first with
 *   the softmax of the model's scale times the cosine similarities: what transformers'
 *   ZeroShotImageClassificationPipeline does with CLIP's logits_per_image;</li>
 *   <li>feature-extraction (when the caller names it, e.g. the hub's cross-modal search): a text's normalised
 *   embedding in the shared space, a vector for a text and a list of vectors for a list, as a sentence-transformers
 *   model answers.</li>
 * </ul>
 */
final class ZeroShotImageClassification implements ServedModel {
    /** transformers' default hypothesis_template. */
    static final String DEFAULT_TEMPLATE = "This is a photo of {}.";
    /** More labels than this is not a classification but a search: the cross-modal search tab is for that. */
    static final int MAX_LABELS = 256;
    private static final int BATCH = 32;

    private final DualEncoder model;
    private final boolean textIsA;

    private ZeroShotImageClassification(DualEncoder model, boolean textIsA) {
        this.model = model;
        this.textIsA = textIsA;
    }

    static ZeroShotImageClassification load(Path dir, Device device) throws IOException {
        DualEncoder model = DualEncoder.load(dir, device);
        String a = model.modality(true);
        String b = model.modality(false);
        boolean textIsA = a.equals("text");
        if (!(textIsA && b.equals("vision")) && !(b.equals("text") && a.equals("vision"))) {
            model.close();
            throw new InvalidModelException("this dual encoder aligns " + a + " with " + b + "; inference serves dual "
                    + "encoders of a text and a vision tower (zero-shot-image-classification)");
        }
        return new ZeroShotImageClassification(model, textIsA);
    }

    @Override
    public String task() {
        return InferenceProtocol.ZERO_SHOT_IMAGE_CLASSIFICATION;
    }

    @Override
    public Object run(Work work) throws Exception {
        return runAlone(work);
    }

    /**
     * The images of all the zero-shot requests in one pass of the vision tower, and all their prompts in one pass of
     * the text tower; text feature-extraction requests in one pass of the text tower too.
     */
    @Override
    public List<Answer> runBatch(List<Work> works) {
        List<Answer> answers = new ArrayList<>();
        List<Work> images = new ArrayList<>();
        List<Integer> imageIndexes = new ArrayList<>();
        List<Work> texts = new ArrayList<>();
        List<Integer> textIndexes = new ArrayList<>();
        for (int w = 0; w < works.size(); w++) {
            Work work = works.get(w);
            answers.add(null);
            if (InferenceProtocol.FEATURE_EXTRACTION.equals(work.task())) {
                texts.add(work);
                textIndexes.add(w);
            } else if (work.task() != null && !work.task().equals(task())) {
                answers.set(w, new Answer(null, new BadInput(work.repo() + " is a " + task() + " model (a dual "
                        + "encoder); it serves " + task() + " and, for texts, " + InferenceProtocol.FEATURE_EXTRACTION
                        + ", not " + work.task())));
            } else {
                images.add(work);
                imageIndexes.add(w);
            }
        }
        List<Answer> textAnswers = embedTexts(texts);
        for (int i = 0; i < texts.size(); i++) {
            answers.set(textIndexes.get(i), textAnswers.get(i));
        }
        List<Answer> imageAnswers = classify(images);
        for (int i = 0; i < images.size(); i++) {
            answers.set(imageIndexes.get(i), imageAnswers.get(i));
        }
        return answers;
    }

    /** A text's normalised embedding, a vector for a text and a list of vectors for a list. */
    private List<Answer> embedTexts(List<Work> works) {
        List<Answer> answers = new ArrayList<>();
        List<ServedModels.Texts> texts = new ArrayList<>();
        List<String> all = new ArrayList<>();
        for (Work work : works) {
            try {
                ServedModels.Texts t = ServedModels.Texts.of(work);
                texts.add(t);
                all.addAll(t.texts());
                answers.add(null);
            } catch (BadInput e) {
                texts.add(null);
                answers.add(new Answer(null, e));
            }
        }
        float[] flat = all.isEmpty() ? new float[0] : model.embed(textIsA, all, BATCH);
        int d = model.projectionSize();
        int row = 0;
        for (int w = 0; w < works.size(); w++) {
            ServedModels.Texts t = texts.get(w);
            if (t == null) {
                continue;
            }
            float[][] rows = new float[t.texts().size()][];
            for (int i = 0; i < rows.length; i++, row++) {
                rows[i] = Arrays.copyOfRange(flat, row * d, (row + 1) * d);
            }
            answers.set(w, new Answer(t.single() ? rows[0] : rows, null));
        }
        return answers;
    }

    private List<Answer> classify(List<Work> works) {
        if (works.isEmpty()) {
            return List.of();
        }
        MediaBatch<float[]> images;
        try {
            images = MediaBatch.of(works, task(), "an image", work -> {
                candidateLabels(work.parameters());
                template(work.parameters());
            }, files -> model.embed(!textIsA, files.files().stream().map(Path::toString).toList(), BATCH),
                    (e, file, bytes) -> ServedModels.notAnImage(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Answer> answers = images.answers();
        if (images.prepared() == null) {
            return answers;
        }
        // every request's prompts in one pass of the text tower
        List<String> prompts = new ArrayList<>();
        for (int w = 0; w < works.size(); w++) {
            if (images.rows()[w] >= 0) {
                String template = template(works.get(w).parameters());
                candidateLabels(works.get(w).parameters()).forEach(l -> prompts.add(template.replace("{}", l)));
            }
        }
        float[] promptEmbeddings = model.embed(textIsA, prompts, BATCH);
        int d = model.projectionSize();
        int prompt = 0;
        for (int w = 0; w < works.size(); w++) {
            int row = images.rows()[w];
            if (row < 0) {
                continue;
            }
            Work work = works.get(w);
            List<String> labels = candidateLabels(work.parameters());
            float[] logits = new float[labels.size()];
            for (int l = 0; l < logits.length; l++, prompt++) {
                double dot = 0;
                for (int k = 0; k < d; k++) {
                    dot += images.prepared()[row * d + k] * promptEmbeddings[prompt * d + k];
                }
                logits[l] = (float) (model.scale() * dot);
            }
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("function_to_apply", "softmax");  // also for one label: CLIP's softmax gives it 1.0
            if (work.parameters().get("top_k") != null) {
                parameters.put("top_k", work.parameters().get("top_k"));
            }
            try {
                answers.set(w, new Answer(LabelScores.of(logits, labels, parameters, labels.size()), null));
            } catch (BadInput e) {
                answers.set(w, new Answer(null, e));
            }
        }
        return answers;
    }

    /** A list of labels, or one comma-separated string of them (as the zero-shot text pipeline also takes). */
    static List<String> candidateLabels(Map<String, Object> parameters) {
        Object value = parameters.get("candidate_labels");
        List<String> labels = new ArrayList<>();
        if (value instanceof String s) {
            Arrays.stream(s.split(",")).map(String::trim).forEach(labels::add);
        } else if (value instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    throw new BadInput("parameters.candidate_labels must be texts; found " + o);
                }
                labels.add(s.trim());
            }
        } else {
            throw new BadInput("a zero-shot-image-classification model needs parameters.candidate_labels, e.g. "
                    + "{\"inputs\": \"<base64 image>\", \"parameters\": {\"candidate_labels\": [\"cat\", \"dog\"]}}");
        }
        if (labels.isEmpty() || labels.stream().anyMatch(String::isEmpty)) {
            throw new BadInput("parameters.candidate_labels has an empty label: " + value);
        }
        if (labels.size() > MAX_LABELS) {
            throw new BadInput("parameters.candidate_labels has " + labels.size() + " labels; at most " + MAX_LABELS);
        }
        return labels;
    }

    static String template(Map<String, Object> parameters) {
        Object value = parameters.get("hypothesis_template");
        if (value == null) {
            return DEFAULT_TEMPLATE;
        }
        if (!(value instanceof String s) || !s.contains("{}")) {
            throw new BadInput("parameters.hypothesis_template must be a text containing {} where the label goes, e.g. \""
                    + DEFAULT_TEMPLATE + "\"; got " + value);
        }
        return s;
    }

    @Override
    public void close() {
        model.close();
    }
}
