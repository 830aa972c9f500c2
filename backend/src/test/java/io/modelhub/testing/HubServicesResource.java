package io.modelhub.testing;

import io.modelhub.platform.EmbeddedServices;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A real PostgreSQL and a real S3 server for the test run, started once (the same code the launcher uses),
 * with a known admin account so tests can sign in and send tokens.
 */
public class HubServicesResource implements QuarkusTestResourceLifecycleManager {
    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "admin-test-password";
    public static final String ADMIN_TOKEN = "hf_AdminTestToken0123456789abcdefghijkl";
    public static final String METRICS_TOKEN = "metrics-scrape-token-for-tests";

    /** Init arg: hand clients presigned store URLs and redirect LFS downloads (see {@link DirectStoreProfile}). */
    public static final String DIRECT_STORE = "direct-store";

    private static EmbeddedServices services;
    private static Path dataDir;
    private boolean directStore;
    private final Map<String, String> overrides = new HashMap<>();

    /** Init args: {@link #DIRECT_STORE}, and any modelhub.* setting, which replaces the test default. */
    @Override
    public void init(Map<String, String> initArgs) {
        directStore = Boolean.parseBoolean(initArgs.getOrDefault(DIRECT_STORE, "false"));
        initArgs.forEach((k, v) -> {
            if (k.startsWith("modelhub.")) {
                overrides.put(k, v);
            }
        });
    }

    @Override
    public Map<String, String> start() {
        try {
            dataDir = Files.createTempDirectory("modelhub-test");
            services = EmbeddedServices.start(dataDir, true, true);
        } catch (Exception e) {
            throw new IllegalStateException("Could not start PostgreSQL and the S3 server for the tests", e);
        }
        Map<String, String> config = new HashMap<>(services.config());
        config.put("modelhub.data", dataDir.toString());
        config.put("modelhub.admin.password", ADMIN_PASSWORD);
        config.put("modelhub.admin.token", ADMIN_TOKEN);
        config.put("modelhub.metrics.token", METRICS_TOKEN);
        config.put("modelhub.upload.max-file-bytes", String.valueOf(64L * 1024 * 1024));
        // S3's smallest part, so that multipart uploads of test-sized files have several parts
        config.put("modelhub.lfs.chunk-size", String.valueOf(5L * 1024 * 1024));
        if (directStore) {
            config.put("modelhub.lfs.direct-upload", "true");
            config.put("modelhub.lfs.redirect-downloads", "true");
            // another name for the same server, so URLs are signed for the address clients are told
            config.put("modelhub.s3.public-endpoint", services.config().get("modelhub.s3.endpoint").replace("127.0.0.1", "localhost"));
        }
        // Any free port: test runs (and CI beside a developer's) must not fight over 8081.
        config.put("quarkus.http.test-port", "0");
        // Short leases so the fault tests see a dead runner's job requeued within seconds.
        config.put("modelhub.jobs.lease-seconds", "4");
        config.put("modelhub.jobs.lease-check", "1s");
        config.putAll(overrides);
        return config;
    }

    /** The JDBC URL of the test database, for tests that look at rows directly. */
    public static String jdbcUrl() {
        return services.jdbcUrl();
    }

    public static Map<String, String> config() {
        return services.config();
    }

    @Override
    public void stop() {
        if (services != null) {
            services.close();
        }
        if (dataDir != null) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a leftover temp folder is harmless
            }
        }
    }
}
