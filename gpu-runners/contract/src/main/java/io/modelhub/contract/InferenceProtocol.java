package io.modelhub.contract;

import java.util.List;
import java.util.Map;

/**
 * Inference on the runner nodes, beside {@link RunnerProtocol} and under its rules: the same runner credential, the
 * same root, and runners stay pull-only. A serving runner long-polls {@link #NEXT} with the models it has loaded and
 * the memory it has free; the hub answers within {@link #POLL_SECONDS} with a batch of {@link Work} (requests for
 * models it has loaded come first) or 204. The runner fetches a model's files at the pinned commit with
 * {@link #FILE} (only while it holds a request for that model) and posts one {@link Result} per request to
 * {@link #RESULT}.
 * <p>
 * A request stays with its runner while the runner keeps polling and lists it in {@link Poll#inFlight()}; a runner
 * that stops polling, or forgets a request, loses it, and the hub hands it once more to another runner.
 */
public final class InferenceProtocol {
    public static final String NEXT = "/{runner}/inference/next";
    public static final String RESULT = "/{runner}/inference/{request}/result";
    public static final String FILE = "/{runner}/inference/{request}/files/{path: .+}";

    /** "1" makes a runner serve inference beside running jobs; the embedded start's local runner sets it. */
    public static final String SERVE_ENV = "MODELHUB_RUNNER_SERVE";
    /** The longest a {@link #NEXT} call waits for work; the runner's HTTP timeout must exceed it. */
    public static final int POLL_SECONDS = 20;

    public static final String TEXT_CLASSIFICATION = "text-classification";
    public static final String FEATURE_EXTRACTION = "feature-extraction";
    public static final String IMAGE_CLASSIFICATION = "image-classification";
    public static final String FILL_MASK = "fill-mask";
    public static final String SENTENCE_SIMILARITY = "sentence-similarity";
    public static final String AUDIO_CLASSIFICATION = "audio-classification";
    /** A dual encoder (CLIP-like): an image scored against texts made of candidate labels. */
    public static final String ZERO_SHOT_IMAGE_CLASSIFICATION = "zero-shot-image-classification";
    public static final List<String> TASKS = List.of(TEXT_CLASSIFICATION, FILL_MASK, FEATURE_EXTRACTION,
            SENTENCE_SIMILARITY, IMAGE_CLASSIFICATION, AUDIO_CLASSIFICATION, ZERO_SHOT_IMAGE_CLASSIFICATION);

    private InferenceProtocol() {
    }

    /** A model a runner keeps loaded: repository id and commit. */
    public record LoadedModel(String repo, String revision) {
    }

    /**
     * A serving runner asking for work.
     *
     * @param loaded     what it has loaded, most recently used first
     * @param freeBytes  what its serving memory budget has left
     * @param inFlight   ids of the requests it holds and has not answered yet
     * @param capacity   how many more requests it takes now
     * @param budgetBytes its whole serving memory budget (MODELHUB_RUNNER_SERVE_MEMORY_MB): the hub refuses a model
     *                    whose {@link #servingBytes} exceeds every live runner's, before it waits; 0 when not said
     */
    public record Poll(List<LoadedModel> loaded, long freeBytes, List<String> inFlight, int capacity, long budgetBytes) {
        public Poll {
            loaded = loaded == null ? List.of() : List.copyOf(loaded);
            inFlight = inFlight == null ? List.of() : List.copyOf(inFlight);
        }

        /** A poll that does not say the runner's budget. */
        public Poll(List<LoadedModel> loaded, long freeBytes, List<String> inFlight, int capacity) {
            this(loaded, freeBytes, inFlight, capacity, 0);
        }
    }

    /**
     * A model's resident size when served, from its files, on the safe side: weight files count twice (loading holds
     * the file's tensors beside the model's, and 16-bit weights become float32), the rest once, plus a quarter for
     * activations. The runner budgets its loaded models by it and the hub refuses what fits no runner by it, so both
     * sides agree on what "too large" means.
     */
    public static long servingBytes(Map<String, Long> fileSizes) {
        long bytes = 0;
        for (Map.Entry<String, Long> f : fileSizes.entrySet()) {
            bytes += f.getKey().endsWith(".safetensors") || f.getKey().endsWith(".bin") || f.getKey().endsWith(".pt")
                    ? f.getValue() * 2 : f.getValue();
        }
        return bytes + bytes / 4;
    }

    /**
     * One inference request, as the hub received it: JSON ({@code inputs}, {@code parameters}) or raw bytes
     * ({@code data}, an image or audio file).
     *
     * @param task  the task the caller named (the pipeline URL), null when the model's own task applies
     * @param files the model's files at {@code revision}, with the hashes the runner checks
     */
    public record Work(String id, String repo, String revision, String task, Object inputs,
                       Map<String, Object> parameters, byte[] data, List<RunnerProtocol.InputFile> files) {
        public Work {
            parameters = parameters == null ? Map.of() : parameters;
            files = files == null ? List.of() : List.copyOf(files);
        }
    }

    /**
     * The answer to one request: an HTTP status for the caller and either the output (the Hugging Face pipeline's
     * JSON) or an error message. 400: the input does not fit the model; 413: the model does not fit any budget; 500:
     * the runner failed.
     */
    public record Result(int status, Object output, String error) {
        public static Result ok(Object output) {
            return new Result(200, output, null);
        }

        public static Result error(int status, String error) {
            return new Result(status, null, error);
        }
    }
}
