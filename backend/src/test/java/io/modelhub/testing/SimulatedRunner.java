package io.modelhub.testing;

import io.restassured.response.Response;

import java.util.List;
import java.util.Map;

/**
 * A runner played over HTTP by the test itself: registers a recipe schema, claims, heartbeats, reports and
 * finishes exactly as the runner agent does, so queue semantics are tested without training anything.
 */
public final class SimulatedRunner {
    public static final Map<String, Object> IMAGE_RECIPE = Map.of("id", "image-classification", "version", "1",
            "modality", "vision", "task", "image-classification", "needsBaseModel", true,
            "parameters", List.of(
                    Map.of("name", "learning_rate", "type", "float", "defaultValue", 0.001, "min", 1e-6, "max", 1.0, "help", "step size"),
                    Map.of("name", "epochs", "type", "int", "defaultValue", 3, "min", 1, "max", 100, "help", "passes over the data")));

    /** Published beside the image recipe, so that audio-specific validation has a recipe to validate against. */
    public static final Map<String, Object> AUDIO_RECIPE = Map.of("id", "audio-pretraining", "version", "1",
            "modality", "audio", "task", "audio-classification", "needsBaseModel", false,
            "parameters", List.of(Map.of("name", "epochs", "type", "int", "defaultValue", 3, "min", 1, "max", 100,
                    "help", "passes over the data")));

    private final long id;

    private SimulatedRunner(long id) {
        this.id = id;
    }

    public static SimulatedRunner register(String name, int gpus) {
        return register(name, gpus, List.of(IMAGE_RECIPE, AUDIO_RECIPE));
    }

    /** A runner publishing the given recipe schemas (maps shaped like the agent's registration). */
    public static SimulatedRunner register(String name, int gpus, List<Map<String, Object>> recipes) {
        long id = HubApi.asAdmin().contentType("application/json")
                .body(Map.of("name", name, "labels", List.of(), "gpuCount", gpus, "gpuMemoryMb", gpus * 16000L, "cpuCores", 2,
                        "memoryBytes", 8L << 30, "recipes", recipes))
                .post("/api/runners").then().statusCode(200).extract().jsonPath().getLong("id");
        return new SimulatedRunner(id);
    }

    public long id() {
        return id;
    }

    /** The claimed job's id, or null when none came within {@code waitSeconds}. */
    public Long claim(int waitSeconds) {
        Response r = HubApi.asAdmin().post("/api/runners/" + id + "/claim?wait=" + waitSeconds);
        return r.statusCode() == 204 ? null : r.then().statusCode(200).extract().jsonPath().getLong("jobId");
    }

    public Response heartbeat(long jobId) {
        return HubApi.asAdmin().contentType("application/json").body(Map.of("jobId", jobId)).post("/api/runners/" + id + "/heartbeat");
    }

    public Response metrics(long jobId, List<Map<String, Object>> points) {
        return HubApi.asAdmin().contentType("application/json").body(points).post(path(jobId) + "/metrics");
    }

    public Response output(long jobId, String file, byte[] bytes) {
        return HubApi.asAdmin().contentType("application/octet-stream").body(bytes).put(path(jobId) + "/outputs/" + file);
    }

    public Response checkpoint(long jobId, int epoch, long step, byte[] bytes) {
        return HubApi.asAdmin().contentType("application/octet-stream").body(bytes).put(path(jobId) + "/checkpoints/" + epoch + "?step=" + step);
    }

    /** The whole claim answer (with the checkpoint to resume from), or null when none came. */
    public io.restassured.path.json.JsonPath claimDetails(int waitSeconds) {
        Response r = HubApi.asAdmin().post("/api/runners/" + id + "/claim?wait=" + waitSeconds);
        return r.statusCode() == 204 ? null : r.then().statusCode(200).extract().jsonPath();
    }

    public Response complete(long jobId, Map<String, Object> result) {
        return HubApi.asAdmin().contentType("application/json").body(result).post(path(jobId) + "/complete");
    }

    public Response fail(long jobId, String error, boolean cancelled) {
        return HubApi.asAdmin().contentType("application/json").body(Map.of("error", error, "cancelled", cancelled)).post(path(jobId) + "/fail");
    }

    private String path(long jobId) {
        return "/api/runners/" + id + "/jobs/" + jobId;
    }
}
