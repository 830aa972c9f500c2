package io.modelhub.testing;

import io.modelhub.contract.ModelTypes;
import io.modelhub.contract.ParamSpec;
import io.modelhub.contract.RecipeDescriptor;
import io.modelhub.contract.RunnerProtocol;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import java.util.List;
import java.util.Map;

/**
 * A runner played over HTTP by the test itself, with a runner credential the admin issued: it registers recipe
 * schemas, claims, heartbeats, reports and finishes exactly as the runner agent does, with the contract's messages,
 * so queue semantics are tested without training anything. Its recipes have ids of their own ("sim-..."), so
 * they never collide with the real runners' recipes in the shared test database.
 */
public final class SimulatedRunner {
    public static final String IMAGE = "sim-image-classification";
    public static final String AUDIO = "sim-audio-pretraining";

    public static final RecipeDescriptor IMAGE_RECIPE = new RecipeDescriptor(IMAGE, "1", "vision", "image-classification",
            true, true, List.of(ParamSpec.number("learning_rate", 0.001, 1e-6, 1.0, "step size"),
                    ParamSpec.integer("epochs", 3, 1, 100, "passes over the data")),
            List.of(ModelTypes.CNN));

    /** Published beside the image recipe, so that audio-specific validation has a recipe to validate against. */
    public static final RecipeDescriptor AUDIO_RECIPE = new RecipeDescriptor(AUDIO, "1", "audio", "audio-classification",
            false, true, List.of(ParamSpec.integer("epochs", 3, 1, 100, "passes over the data")), List.of());

    private final long id;
    private final String credential;
    /** The attempt of each job this runner claimed, which every call about that job names. */
    private final Map<Long, Integer> attempts = new java.util.concurrent.ConcurrentHashMap<>();

    private SimulatedRunner(long id, String credential) {
        this.id = id;
        this.credential = credential;
    }

    public static SimulatedRunner register(String name, int gpus) {
        return register(name, gpus, List.of(IMAGE_RECIPE, AUDIO_RECIPE));
    }

    /** A runner publishing the given recipes, registered with a credential the admin issues for it. */
    public static SimulatedRunner register(String name, int gpus, List<RecipeDescriptor> recipes) {
        String credential = HubApi.issueRunnerCredential(name);
        long id = as(credential).contentType("application/json")
                .body(new RunnerProtocol.Registration(name, List.of(), gpus, gpus * 16000L, 2, 8L << 30, recipes))
                .post(RunnerProtocol.ROOT + RunnerProtocol.REGISTER).then().statusCode(200).extract().as(RunnerProtocol.Registered.class)
                .runnerId();
        return new SimulatedRunner(id, credential);
    }

    /** Requests with this runner's credential. */
    public static RequestSpecification as(String credential) {
        return HubApi.as(credential);
    }

    public long id() {
        return id;
    }

    public String credential() {
        return credential;
    }

    /** The attempt at which this runner last claimed the job (0 if it never did). */
    public int attempt(long jobId) {
        return attempts.getOrDefault(jobId, 0);
    }

    /** The claimed job's id, or null when none came within {@code waitSeconds}. */
    public Long claim(int waitSeconds) {
        RunnerProtocol.Claim claim = claimDetails(waitSeconds);
        return claim == null ? null : claim.jobId();
    }

    /** The whole claim answer (inputs, the checkpoint to resume from), or null when none came. */
    public RunnerProtocol.Claim claimDetails(int waitSeconds) {
        Response r = as(credential).post(RunnerProtocol.ROOT + path(RunnerProtocol.CLAIM) + "?wait=" + waitSeconds);
        if (r.statusCode() == 204) {
            return null;
        }
        RunnerProtocol.Claim claim = r.then().statusCode(200).extract().as(RunnerProtocol.Claim.class);
        attempts.put(claim.jobId(), claim.attempt());
        return claim;
    }

    public Response heartbeat(long jobId) {
        return as(credential).contentType("application/json").body(new RunnerProtocol.Heartbeat(jobId, attempt(jobId), null))
                .post(RunnerProtocol.ROOT + path(RunnerProtocol.HEARTBEAT));
    }

    public Response metrics(long jobId, List<RunnerProtocol.MetricPoint> points) {
        return as(credential).contentType("application/json").body(points).post(lease(RunnerProtocol.METRICS, jobId));
    }

    public Response output(long jobId, String file, byte[] bytes) {
        return as(credential).contentType("application/octet-stream").body(bytes)
                .put(lease(RunnerProtocol.OUTPUT, jobId).replace("{path: .+}", file));
    }

    public Response checkpoint(long jobId, int epoch, long step, byte[] bytes) {
        return as(credential).contentType("application/octet-stream").body(bytes)
                .put(lease(RunnerProtocol.CHECKPOINT, jobId).replace("{epoch}", Integer.toString(epoch)) + "?step=" + step);
    }

    public Response checkpointBytes(long jobId, int epoch) {
        return as(credential).get(lease(RunnerProtocol.CHECKPOINT, jobId).replace("{epoch}", Integer.toString(epoch)));
    }

    public Response inputs(long jobId) {
        return as(credential).get(lease(RunnerProtocol.INPUTS, jobId));
    }

    public Response inputFile(long jobId, String role, String file) {
        return as(credential).get(lease(RunnerProtocol.INPUT_FILE, jobId).replace("{role}", role).replace("{path: .+}", file));
    }

    /** One tar stream of the named files of an input ({@link RunnerProtocol#INPUT_ARCHIVE}). */
    public Response inputArchive(long jobId, String role, List<String> paths) {
        return as(credential).contentType("application/json").body(new RunnerProtocol.ArchiveRequest(paths))
                .post(lease(RunnerProtocol.INPUT_ARCHIVE, jobId).replace("{role}", role));
    }

    public Response complete(long jobId, Map<String, Double> metrics) {
        return complete(jobId, new RunnerProtocol.Completion(metrics, Map.of()));
    }

    public Response complete(long jobId, RunnerProtocol.Completion completion) {
        return as(credential).contentType("application/json").body(completion).post(lease(RunnerProtocol.COMPLETE, jobId));
    }

    public Response fail(long jobId, String error, boolean cancelled) {
        return as(credential).contentType("application/json").body(new RunnerProtocol.Failure(error, cancelled))
                .post(lease(RunnerProtocol.FAIL, jobId));
    }

    private String path(String template) {
        return template.replace("{runner}", Long.toString(id));
    }

    /** The full path of a call about the job at the attempt this runner last claimed. */
    public String lease(String template, long jobId) {
        return RunnerProtocol.ROOT + path(template).replace("{job}", Long.toString(jobId)).replace("{attempt}", Integer.toString(attempt(jobId)));
    }
}
