package io.modelhub.platform;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The line a user waits for after typing the start command. */
@ApplicationScoped
public class ReadyBanner {
    private static final Logger LOG = Logger.getLogger(ReadyBanner.class);

    @Inject
    ModelHubConfig config;
    @ConfigProperty(name = "quarkus.http.port")
    int port;

    void onStart(@Observes @jakarta.annotation.Priority(Integer.MAX_VALUE) StartupEvent event) {
        String url = config.publicUrl().orElse("http://localhost:" + port + "/");
        LOG.infof("%n%n    ModelHub is ready at %s%n", url);
    }
}
