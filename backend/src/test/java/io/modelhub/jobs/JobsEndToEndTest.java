package io.modelhub.jobs;

import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.RunnerProcess;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.modelhub.testing.JobsApi.await;
import static io.modelhub.testing.JobsApi.job;
import static io.modelhub.testing.JobsApi.logs;
import static io.modelhub.testing.JobsApi.submit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole path on real processes: the hub (this test's Quarkus), two runner agents started with
 * {@code java -jar}, datasets made by the test and uploaded through the API, pre-training then fine-tuning
 * through the queue, a runner killed with SIGKILL mid-training, and a cancel.
 */
@QuarkusTest
class JobsEndToEndTest {
    @TestHTTPResource("/")
    URL base;
    @Inject
    EntityManager em;

    static RunnerProcess first;
    static RunnerProcess second;

    @AfterAll
    static void stopRunners() throws Exception {
        for (RunnerProcess r : new RunnerProcess[]{first, second}) {
            if (r != null) {
                r.close();
            }
        }
    }

    @Test
    void trainOnRunnersSurviveAKilledRunnerAndCancel(@TempDir Path tmp) throws Exception {
        HubApi.dataset("e2e-shapes").folder(ImageFolderDatasetBuilder.in(tmp.resolve("shapes"))
                .classes(Pattern.HORIZONTAL_STRIPES, Pattern.VERTICAL_STRIPES, Pattern.DISC, Pattern.CHECKERBOARD).seed(1).build()).create();
        HubApi.dataset("e2e-marks").folder(ImageFolderDatasetBuilder.in(tmp.resolve("marks"))
                .classes(Pattern.RING, Pattern.CROSS, Pattern.SQUARE).seed(2).build()).create();
        String hub = base.toString().replaceAll("/$", "");
        first = RunnerProcess.start(hub, "e2e-first", tmp.resolve("runner-1"));
        second = RunnerProcess.start(hub, "e2e-second", tmp.resolve("runner-2"));
        long firstId = first.awaitRegistration();
        long secondId = second.awaitRegistration();

        // Pre-train the base model through the queue.
        long pretrain = submit(Map.of("recipe", "image-pretraining", "dataset", "admin/e2e-shapes", "outputRepo", "admin/e2e-base-cnn",
                "params", Map.of("epochs", 6, "learning_rate", 0.003)));
        JsonPath done = await(pretrain, j -> !JobState.of(j.getString("state")).active(), 240);
        assertEquals(JobState.SUCCEEDED.wire(), done.getString("state"), done.prettify());

        // Fine-tune it on other labels; metrics must arrive while it runs.
        long finetune = submit(Map.of("recipe", "image-classification", "baseModel", "admin/e2e-base-cnn", "dataset", "admin/e2e-marks",
                "outputRepo", "admin/e2e-marks-cnn", "params", Map.of("epochs", 6, "learning_rate", 0.003)));
        boolean metricsWhileRunning = false;
        JsonPath job = job(finetune);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (JobState.of(job.getString("state")).active() && System.nanoTime() < deadline) {
            if (job.getString("state").equals(JobState.RUNNING.wire())
                    && !HubApi.asAdmin().get("/api/jobs/" + finetune + "/metrics?name=loss").jsonPath().getList("$").isEmpty()) {
                metricsWhileRunning = true;
            }
            Thread.sleep(100);
            job = job(finetune);
        }
        assertEquals(JobState.SUCCEEDED.wire(), job.getString("state"), job.prettify());
        assertTrue(metricsWhileRunning, "loss points were readable while the job ran");
        assertTrue(List.of(firstId, secondId).contains(job.getLong("runnerId")), "claimed by one of the two runners");
        double tuned = job.getDouble("result.test_accuracy");
        double baseline = job.getDouble("result.base_test_accuracy");
        assertTrue(tuned > baseline, "fine-tuned " + tuned + " beats the base model with an untrained head " + baseline);
        JsonPath card = HubApi.asAdmin().get("/api/models/admin/e2e-marks-cnn").jsonPath();
        assertEquals("admin/e2e-base-cnn", card.getString("cardData.base_model"));
        assertEquals("admin/e2e-marks", card.getString("cardData.datasets[0]"));
        assertTrue(card.getList("siblings.rfilename").containsAll(List.of("README.md", "config.json", "model.safetensors")));

        // Kill the runner holding a longer job right after its first checkpoint.
        long fault = submit(Map.of("recipe", "image-classification", "baseModel", "admin/e2e-base-cnn", "dataset", "admin/e2e-marks",
                "outputRepo", "admin/e2e-fault-cnn", "params", Map.of("epochs", 40, "learning_rate", 0.001)));
        JsonPath running = await(fault, j -> logs(fault).contains("Checkpoint saved at epoch 1"), 240);
        long holder = running.getLong("runnerId");
        (holder == firstId ? first : second).kill();
        JsonPath recovered = await(fault, j -> !JobState.of(j.getString("state")).active(), 300);
        assertEquals(JobState.SUCCEEDED.wire(), recovered.getString("state"), recovered.prettify() + logs(fault));
        assertEquals(2, recovered.getInt("attempt"));
        assertTrue(logs(fault).contains("Resuming from checkpoint at epoch"), logs(fault));
        assertEquals(2, commitsOf("e2e-fault-cnn"), "the initial commit and one trained commit: nothing committed twice");

        // Cancel a running job: the surviving runner hears it in its next heartbeat.
        long cancel = submit(Map.of("recipe", "image-classification", "baseModel", "admin/e2e-base-cnn", "dataset", "admin/e2e-marks",
                "outputRepo", "admin/e2e-cancelled-cnn", "params", Map.of("epochs", 200)));
        await(cancel, j -> j.getString("state").equals(JobState.RUNNING.wire()), 120);
        HubApi.asAdmin().post("/api/jobs/" + cancel + "/cancel").then().statusCode(200);
        assertEquals(JobState.CANCELLED.wire(), await(cancel, j -> !j.getString("state").equals(JobState.RUNNING.wire()), 60).getString("state"));
    }

    private long commitsOf(String name) {
        return io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select count(*) from commits c join repos r on r.id = c.repo_id where r.namespace = 'admin' and r.name = ?1")
                .setParameter(1, name).getSingleResult()).longValue());
    }
}
