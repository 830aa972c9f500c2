package io.modelhub.launcher;

import io.modelhub.platform.EmbeddedServices;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import java.nio.file.Path;

/**
 * Starts ModelHub. Whatever is not configured is embedded: PostgreSQL when MODELHUB_DB_URL is unset, the S3
 * server when MODELHUB_S3_ENDPOINT is unset, both keeping their data under MODELHUB_DATA (default ./data).
 * They must run before Quarkus starts, because the datasource and Flyway connect at startup.
 */
@QuarkusMain
public final class ModelHubMain {
    private ModelHubMain() {
    }

    public static void main(String... args) throws Exception {
        Path data = Path.of(setting("MODELHUB_DATA", "modelhub.data", "data")).toAbsolutePath();
        boolean embedPostgres = setting("MODELHUB_DB_URL", "modelhub.db.url", null) == null;
        boolean embedS3 = setting("MODELHUB_S3_ENDPOINT", "modelhub.s3.endpoint", null) == null;
        EmbeddedServices services = EmbeddedServices.start(data, embedPostgres, embedS3);
        services.config().forEach(System::setProperty);
        System.setProperty("modelhub.data", data.toString());
        System.setProperty("modelhub.local-runner.enabled",
                String.valueOf(Boolean.parseBoolean(setting("MODELHUB_LOCAL_RUNNER", "modelhub.local-runner.enabled", "true"))));
        System.setProperty("modelhub.demo.enabled",
                String.valueOf(Boolean.parseBoolean(setting("MODELHUB_DEMO", "modelhub.demo.enabled", "true"))));
        Runtime.getRuntime().addShutdownHook(new Thread(services::close, "embedded-services-stop"));
        Quarkus.run(args);
    }

    private static String setting(String env, String property, String fallback) {
        String value = System.getProperty(property);
        if (value == null || value.isBlank()) {
            value = System.getenv(env);
        }
        return value == null || value.isBlank() ? fallback : value;
    }
}
