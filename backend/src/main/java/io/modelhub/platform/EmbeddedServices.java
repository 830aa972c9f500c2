package io.modelhub.platform;

import io.modelhub.storage.s3.EmbeddedS3Server;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The embedded defaults: a real PostgreSQL server and an S3-compatible server (S3Proxy), both keeping their
 * data under one folder so a restart finds everything again. Used by the launcher when no external database
 * or store is configured, and by the tests.
 */
public final class EmbeddedServices implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedServices.class);
    static final String OWNER_FILE = "modelhub.pid";

    private final EmbeddedPostgres postgres;
    private final EmbeddedS3Server s3;
    private final Map<String, String> config;

    private EmbeddedServices(EmbeddedPostgres postgres, EmbeddedS3Server s3, Map<String, String> config) {
        this.postgres = postgres;
        this.s3 = s3;
        this.config = config;
    }

    /**
     * Starts what is asked for under {@code dataDir}; returns the Quarkus/ModelHub properties that point the
     * hub at them.
     */
    public static EmbeddedServices start(Path dataDir, boolean withPostgres, boolean withS3) throws Exception {
        Files.createDirectories(dataDir);
        Map<String, String> config = new LinkedHashMap<>();
        EmbeddedPostgres pg = null;
        EmbeddedS3Server s3 = null;
        try {
            if (withPostgres) {
                long t0 = System.nanoTime();
                stopOrphanedPostgres(dataDir);
                Files.writeString(dataDir.resolve(OWNER_FILE), String.valueOf(ProcessHandle.current().pid()));
                pg = EmbeddedPostgres.builder()
                        .setDataDirectory(dataDir.resolve("postgres"))
                        .setCleanDataDirectory(false)
                        .setServerConfig("max_connections", "200")
                        .start();
                String url = "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/postgres";
                config.put("quarkus.datasource.jdbc.url", url);
                config.put("quarkus.datasource.username", "postgres");
                config.put("quarkus.datasource.password", "");
                LOG.infof("Embedded PostgreSQL on %s (%d ms)", url, (System.nanoTime() - t0) / 1_000_000);
            }
            if (withS3) {
                String secret = storedSecret(dataDir.resolve("s3-secret"));
                s3 = EmbeddedS3Server.start(dataDir.resolve("objects"), 0, "modelhub", secret);
                config.put("modelhub.s3.endpoint", s3.endpoint());
                config.put("modelhub.s3.access-key", "modelhub");
                config.put("modelhub.s3.secret-key", secret);
                LOG.infof("Embedded S3 server on %s (data in %s)", s3.endpoint(), dataDir.resolve("objects"));
            }
            return new EmbeddedServices(pg, s3, config);
        } catch (Exception e) {
            closeQuietly(s3);
            closeQuietly(pg);
            throw e;
        }
    }

    public Map<String, String> config() {
        return config;
    }

    public String jdbcUrl() {
        return config.get("quarkus.datasource.jdbc.url");
    }

    /**
     * A hub that died without shutting down (kill -9, a crash) leaves its PostgreSQL running on the data folder
     * (pg_ctl daemonises it, so it never dies with the JVM), and the next start could not lock the folder. The
     * hub that started a server writes its pid to {@value #OWNER_FILE}: a server whose owner is no longer a live
     * JVM is stopped; one whose owner lives belongs to a ModelHub still running, and that is refused.
     */
    static void stopOrphanedPostgres(Path dataDir) throws IOException {
        Optional<ProcessHandle> server = pidIn(dataDir.resolve("postgres").resolve("postmaster.pid"))
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        if (server.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> owner = pidIn(dataDir.resolve(OWNER_FILE))
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false));
        if (owner.isPresent()) {
            throw new IllegalStateException("Another ModelHub (pid " + owner.get().pid() + ") is using the data folder "
                    + dataDir + ". Stop it, or set MODELHUB_DATA to another folder.");
        }
        LOG.warnf("Stopping PostgreSQL (pid %d) left running on %s by a ModelHub that did not shut down",
                server.get().pid(), dataDir);
        server.get().destroy();
        try {
            server.get().onExit().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            server.get().destroyForcibly();
            server.get().onExit().join();
        }
    }

    private static Optional<ProcessHandle> pidIn(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        try {
            return lines.isEmpty() ? Optional.empty()
                    : ProcessHandle.of(Long.parseLong(lines.get(0).trim())).filter(ProcessHandle::isAlive);
        } catch (NumberFormatException unreadable) {
            return Optional.empty();
        }
    }

    /** The embedded store's credentials stay the same across restarts of one data folder. */
    private static String storedSecret(Path file) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            byte[] bytes = new byte[20];
            new SecureRandom().nextBytes(bytes);
            String secret = HexFormat.of().formatHex(bytes);
            Files.writeString(file, secret, StandardCharsets.UTF_8);
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        closeQuietly(s3);
        closeQuietly(postgres);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.warn("Could not stop " + closeable.getClass().getSimpleName(), e);
        }
    }
}
