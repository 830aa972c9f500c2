package io.modelhub.runners.serving;

import ai.djl.Device;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.recipes.crossmodal.DualEncoder;
import io.modelhub.runners.recipes.data.DatasetException;
import io.modelhub.runners.recipes.vision.InvalidModelException;

import java.io.IOException;
import java.nio.file.Files;
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
    public Object run(Work work) throws IOException {
        if (InferenceProtocol.FEATURE_EXTRACTION.equals(work.task())) {
            ServedModels.Texts texts = ServedModels.Texts.of(work);
            float[] flat = model.embed(textIsA, texts.texts(), BATCH);
            int d = model.projectionSize();
            float[][] rows = new float[texts.texts().size()][];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
            }
            return texts.single() ? rows[0] : rows;
        }
        if (work.task() != null && !work.task().equals(task())) {
            throw new BadInput(work.repo() + " is a " + task() + " model (a dual encoder); it serves " + task()
                    + " and, for texts, " + InferenceProtocol.FEATURE_EXTRACTION + ", not " + work.task());
        }
        List<String> labels = candidateLabels(work.parameters());
        String template = template(work.parameters());
        float[] image = embedImage(ServedModels.binaryInput(work, "an image"));
        float[] prompts = model.embed(textIsA, labels.stream().map(l -> template.replace("{}", l)).toList(), BATCH);
        int d = model.projectionSize();
        float[] logits = new float[labels.size()];
        for (int l = 0; l < logits.length; l++) {
            double dot = 0;
            for (int k = 0; k < d; k++) {
                dot += image[k] * prompts[l * d + k];
            }
            logits[l] = (float) (model.scale() * dot);
        }
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("function_to_apply", "softmax");  // also for one label: CLIP's softmax gives it 1.0
        if (work.parameters().get("top_k") != null) {
            parameters.put("top_k", work.parameters().get("top_k"));
        }
        return LabelScores.of(logits, labels, parameters, labels.size());
    }

    private float[] embedImage(byte[] bytes) throws IOException {
        // the towers read files: the image goes through the very decoder the model was trained with
        Path file = Files.createTempFile("inference-", ".img");
        try {
            Files.write(file, bytes);
            try {
                return model.embed(!textIsA, List.of(file.toString()), 1);
            } catch (DatasetException e) {
                throw new BadInput("the input is not an image this runner can read (PNG, JPEG, BMP, GIF, TIFF or WebP;"
                        + " got " + bytes.length + " bytes)");
            }
        } finally {
            Files.deleteIfExists(file);
        }
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
