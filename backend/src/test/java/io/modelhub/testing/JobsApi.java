package io.modelhub.testing;

import java.util.Set;
import java.util.EnumSet;
import io.modelhub.jobs.JobState;
import io.restassured.path.json.JsonPath;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Jobs over the HTTP API as the admin: submit, read, and wait for a state, with the job's log in any failure. */
public final class JobsApi {
    private JobsApi() {
    }

    /** Submits the spec; fails unless the hub queues it (201). */
    public static long submit(Map<String, Object> spec) {
        return HubApi.asAdmin().contentType("application/json").body(spec).post("/api/jobs").then().statusCode(201)
                .extract().jsonPath().getLong("id");
    }

    public static JsonPath job(long id) {
        return HubApi.asAdmin().get("/api/jobs/" + id).then().statusCode(200).extract().jsonPath();
    }

    public static String logs(long id) {
        return String.join("\n", HubApi.asAdmin().get("/api/jobs/" + id + "/logs").jsonPath().getList("line", String.class));
    }

    /** The job once {@code condition} holds; fails with the job and its log after {@code seconds}. */
    public static JsonPath await(long id, Predicate<JsonPath> condition, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JsonPath j = job(id);
        while (!condition.test(j)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Job " + id + " did not get there in " + seconds + " s: " + j.prettify() + "\n" + logs(id));
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            j = job(id);
        }
        return j;
    }

    /** The job once it is in one of {@code states}. */
    public static JsonPath awaitState(long id, Set<JobState> states, int seconds) {
        return await(id, j -> states.contains(JobState.of(j.getString("state"))), seconds);
    }

    /** The job once it has finished, whichever way. */
    public static JsonPath awaitFinished(long id, int seconds) {
        return awaitState(id, EnumSet.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED), seconds);
    }
}
