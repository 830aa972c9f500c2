package io.modelhub.platform;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * The access rule of /q/metrics, which the Micrometer extension serves as a Vert.x route (outside the REST
 * resources and their filters): only a scraper holding the configured token (modelhub.metrics.token,
 * "Authorization: Bearer ...") reads it; a wrong or missing token gets 401, and with no token configured the
 * endpoint answers 404 to everyone. A token, not an admin session, because a scraper has neither a password
 * nor a user, and checking an API token would need the database on the event loop.
 */
@ApplicationScoped
public class MetricsAccess {
    static final String PATH = "/q/metrics";

    @Inject
    ModelHubConfig config;

    void register(@Observes Filters filters) {
        filters.register(this::check, 100);
    }

    void check(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (!path.equals(PATH) && !path.startsWith(PATH + "/")) {
            rc.next();
            return;
        }
        Optional<String> token = config.metrics().token().filter(t -> !t.isBlank());
        if (token.isEmpty()) {
            refuse(rc, 404, "Metrics are off: set MODELHUB_METRICS_TOKEN and scrape with that Bearer token");
            return;
        }
        String header = rc.request().getHeader("Authorization");
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
        // constant time: the comparison must not tell a guesser how much of the token it has right
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.get().getBytes(StandardCharsets.UTF_8))) {
            rc.response().putHeader("WWW-Authenticate", "Bearer");
            refuse(rc, 401, "Metrics need the scrape token: send \"Authorization: Bearer <MODELHUB_METRICS_TOKEN>\"");
            return;
        }
        rc.next();
    }

    private static void refuse(RoutingContext rc, int status, String message) {
        rc.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", message).encode());
    }
}
