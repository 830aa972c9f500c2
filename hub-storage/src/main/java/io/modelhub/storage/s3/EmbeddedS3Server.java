package io.modelhub.storage.s3;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * An in-process S3 server (S3Proxy with its "filesystem" backend) for single-machine installs and tests. Each
 * bucket is a directory under the data directory and each object a file, so data survives restarts. Writes that
 * the backend loses to its own directory clean-up under concurrency are retried ({@link DirectoryRaceRetries}).
 *
 * <p>S3Proxy is an optional dependency of this module: a process that starts this server must have it on its
 * class path.
 */
public final class EmbeddedS3Server implements AutoCloseable {

    private final S3Proxy proxy;
    private final BlobStore backend;
    private final int port;

    private EmbeddedS3Server(S3Proxy proxy, BlobStore backend, int port) {
        this.proxy = proxy;
        this.backend = backend;
        this.port = port;
    }

    /**
     * Starts a server on 127.0.0.1 that accepts AWS signature v2 and v4 requests signed with the given keys.
     *
     * @param port 0 picks a free port; {@link #port()} tells which
     */
    public static EmbeddedS3Server start(Path dataDir, int port, String accessKey, String secretKey)
            throws Exception {
        Files.createDirectories(dataDir);
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", dataDir.toAbsolutePath().toString());
        BlobStore backend = new DirectoryRaceRetries(BlobStores.create("filesystem", properties));
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(backend)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .build();
        try {
            proxy.start();
        } catch (Exception e) {
            backend.close();
            throw e;
        }
        return new EmbeddedS3Server(proxy, backend, proxy.getPort());
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            backend.close();
        }
    }
}
