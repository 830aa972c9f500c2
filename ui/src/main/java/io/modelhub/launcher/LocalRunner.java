package io.modelhub.launcher;

import io.modelhub.accounts.Account;
import io.modelhub.runners.RunnerCredentialService;
import io.modelhub.platform.ModelHubConfig;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The embedded default's runner: a separate {@code java -jar} process of the runner agent, exactly as on a GPU
 * node, started once the hub serves and stopped (SIGTERM: it gives its job back) when the hub stops. It gets its
 * runner credential from the hub, and watches the hub's process: killed with the hub, it stops too.
 */
@ApplicationScoped
public class LocalRunner {
    private static final Logger LOG = Logger.getLogger(LocalRunner.class);

    @Inject
    ModelHubConfig config;
    /** The name of the embedded start's runner credential, issued by the hub itself. */
    static final String CREDENTIAL_NAME = "local";

    @Inject
    RunnerCredentialService credentials;
    @ConfigProperty(name = "quarkus.http.port")
    int port;

    private Process process;

    void start(@Observes @jakarta.annotation.Priority(jakarta.interceptor.Interceptor.Priority.LIBRARY_AFTER) StartupEvent event) throws Exception {
        if (!config.localRunner().enabled()) {
            return;
        }
        Path jar = Path.of(config.localRunner().jar()).toAbsolutePath();
        if (!Files.exists(jar)) {
            LOG.warnf("No local runner: %s is missing (build it with ./mvnw package, or set MODELHUB_LOCAL_RUNNER_JAR)", jar);
            return;
        }
        // a new secret at every start: a local runner left over from an earlier hub process is refused and stops
        String credential = QuarkusTransaction.requiringNew().call(() -> {
            Account admin = Account.findByUsername(config.admin().username()).orElseThrow();
            return credentials.rotateSystem(CREDENTIAL_NAME, admin.id).credential();
        });
        Path work = Path.of(config.data()).toAbsolutePath().resolve("runner");
        Files.createDirectories(work);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString());
        pb.environment().put("MODELHUB_URL", "http://127.0.0.1:" + port);
        pb.environment().put("MODELHUB_RUNNER_CREDENTIAL", credential);
        pb.environment().put("MODELHUB_RUNNER_PARENT_PID", Long.toString(ProcessHandle.current().pid()));
        pb.environment().put("MODELHUB_RUNNER_NAME", "local");
        pb.environment().put("MODELHUB_RUNNER_WORK", work.toString());
        pb.environment().putIfAbsent("DJL_OFFLINE", "true");
        // the embedded start's runner serves the inference API too (docs/inference.md)
        pb.environment().putIfAbsent("MODELHUB_RUNNER_SERVE", "1");
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("runner.log").toFile()));
        process = pb.start();
        LOG.infof("Local runner started (pid %d, log %s)", process.pid(), work.resolve("runner.log"));
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
