package io.modelhub.platform;

import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Caps every request body by what its endpoint takes ({@link BodyLimit}), before the body is read: a declared
 * Content-Length over the cap is refused at once (413), a chunked body is cut off with a 413 when it passes it.
 * Runs after authentication and after {@link io.modelhub.repos.RepoAccessFilter}, which refuses callers without
 * access to the repository before any byte is read; the global {@code quarkus.http.limits.max-body-size} only
 * bounds the largest upload.
 */
@Provider
@Priority(Priorities.USER + 20)
public class BodyLimitFilter implements ContainerRequestFilter {
    /**
     * The JSON cap of an anonymous caller on a method without a repository in its path ({@link AnonymousBody}): what
     * it sends (a README to validate, an LFS completion's part list) is small, and nobody is accountable for it.
     */
    public static final long ANONYMOUS_JSON_BYTES = 1024 * 1024;

    /** Looked up per request: providers are made before the runtime configuration is there. */
    @Inject
    Instance<ModelHubConfig> config;
    @Inject
    RequestCaller caller;
    @Context
    ResourceInfo resource;
    @Context
    HttpServerRequest http;

    @Override
    public void filter(ContainerRequestContext request) {
        String method = request.getMethod();
        if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD) || method.equals(HttpMethod.OPTIONS)) {
            return;
        }
        BodyLimit limit = resource.getResourceMethod() == null ? null : resource.getResourceMethod().getAnnotation(BodyLimit.class);
        BodyLimit.Kind kind = limit == null ? BodyLimit.Kind.JSON : limit.value();
        long max = switch (kind) {
            case JSON -> config.get().upload().maxJsonBytes();
            case COMMIT -> config.get().upload().maxCommitBytes();
            case FILE -> config.get().upload().maxFileBytes();
        };
        boolean anonymousJson = kind == BodyLimit.Kind.JSON && caller.anonymous()
                && resource.getResourceMethod() != null && resource.getResourceMethod().isAnnotationPresent(AnonymousBody.class);
        if (anonymousJson) {
            max = Math.min(max, ANONYMOUS_JSON_BYTES);
        }
        String length = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("Content-Length is not a number: " + length);
            }
            if (declared > max) {
                throw tooLarge(kind, max, anonymousJson);
            }
        }
        request.setEntityStream(new Capped(request.getEntityStream(), max, kind, anonymousJson, http));
    }

    static ApiException tooLarge(BodyLimit.Kind kind, long max, boolean anonymous) {
        String setting = anonymous ? "the cap of anonymous callers: send a token for MODELHUB_UPLOAD_MAX_JSON_BYTES" : switch (kind) {
            case JSON -> "MODELHUB_UPLOAD_MAX_JSON_BYTES";
            case COMMIT -> "MODELHUB_UPLOAD_MAX_COMMIT_BYTES (large files go through LFS)";
            case FILE -> "MODELHUB_UPLOAD_MAX_FILE_BYTES";
        };
        return ApiException.tooLarge("The request body is over this endpoint's limit of " + max + " bytes (" + setting + ")");
    }

    /**
     * Counts what the endpoint reads and stops it past the cap. Past it, the answer (413) closes the connection, and
     * closing this stream no longer closes the HTTP layer's: that one reads the request to its end when closed (to
     * keep the connection for the next request), so the client would get its 413 only after sending the rest of a
     * chunked body of any size. Instead the client gets the 413 while it is still sending, and the connection goes
     * (what the HTTP layer itself does past {@code quarkus.http.limits.max-body-size}).
     */
    static final class Capped extends FilterInputStream {
        private final long max;
        private final BodyLimit.Kind kind;
        private final boolean anonymous;
        private final HttpServerRequest http;
        private long count;
        private boolean over;

        Capped(InputStream in, long max, BodyLimit.Kind kind, boolean anonymous, HttpServerRequest http) {
            super(in);
            this.max = max;
            this.kind = kind;
            this.anonymous = anonymous;
            this.http = http;
        }

        @Override
        public void close() throws IOException {
            if (!over) {
                super.close();
            }
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                add(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                add(n);
            }
            return n;
        }

        private void add(int n) {
            count += n;
            if (count > max) {
                if (!over && http != null) {
                    over = true;
                    HttpServerResponse response = http.response();
                    response.putHeader("Connection", "close");
                    HttpConnection connection = http.connection();
                    response.endHandler(ended -> connection.close());
                }
                throw tooLarge(kind, max, anonymous);
            }
        }
    }
}
