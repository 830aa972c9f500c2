package io.modelhub.runners;

import io.modelhub.testing.HubApi;
import io.modelhub.testing.RunnerProcess;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A real runner agent process stops, with a message, when its credential is refused or its hub process is gone. */
@QuarkusTest
class RunnerAgentLifecycleTest {
    @TestHTTPResource("/")
    URL base;

    private String hub() {
        return base.toString().replaceAll("/$", "");
    }

    @Test
    void aRevokedRunnerStopsWithAClearMessageInsteadOfRetryingForever(@TempDir Path tmp) throws Exception {
        String credential = HubApi.issueRunnerCredential("lifecycle-revoked");
        try (RunnerProcess runner = RunnerProcess.start(hub(), "lifecycle-revoked", tmp, credential)) {
            long id = runner.awaitRegistration();
            long credentialId = HubApi.asAdmin().get("/api/runner-credentials").jsonPath().getLong("find { it.runnerId == " + id + " }.id");
            HubApi.asAdmin().delete("/api/runner-credentials/" + credentialId).then().statusCode(204);
            Integer status = runner.awaitExit(60);
            assertEquals(3, status, runner.output());
            assertTrue(runner.output().contains("The hub refused this runner's credential"), runner.output());
            assertEquals("offline", HubApi.asAdmin().get("/api/runners").jsonPath().getString("find { it.id == " + id + " }.state"));
        }
    }

    @Test
    void aUserTokenCannotStartARunner(@TempDir Path tmp) throws Exception {
        try (RunnerProcess runner = RunnerProcess.start(hub(), "lifecycle-user-token", tmp,
                io.modelhub.testing.HubServicesResource.ADMIN_TOKEN)) {
            assertEquals(2, runner.awaitExit(60), runner.output());
            assertTrue(runner.output().contains("user tokens (hf_...) cannot register runners"), runner.output());
        }
    }

    @Test
    void theLocalRunnerStopsWhenTheHubProcessThatStartedItIsGone(@TempDir Path tmp) throws Exception {
        Process parent = new ProcessBuilder("sleep", "600").start();
        try (RunnerProcess runner = RunnerProcess.start(hub(), "lifecycle-orphan", tmp, HubApi.issueRunnerCredential("lifecycle-orphan"),
                Map.of("MODELHUB_RUNNER_PARENT_PID", Long.toString(parent.pid())))) {
            runner.awaitRegistration();
            parent.destroyForcibly().waitFor();
            assertEquals(4, runner.awaitExit(60), runner.output());
            assertTrue(runner.output().contains("that started this runner is gone"), runner.output());
        } finally {
            parent.destroyForcibly();
        }
    }
}
