package io.modelhub.platform;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Which cap {@link BodyLimitFilter} puts on a resource method's request body. Methods without it take small JSON
 * bodies ({@code modelhub.upload.max-json-bytes}); only the file uploads stream up to the largest file.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface BodyLimit {
    Kind value();

    enum Kind {
        /** {@code modelhub.upload.max-json-bytes}, default 16 MiB: the default of every method. */
        JSON,
        /** {@code modelhub.upload.max-commit-bytes}, default 1 GiB: an NDJSON commit with inline files. */
        COMMIT,
        /** {@code modelhub.upload.max-file-bytes}, default 100 GiB: one streamed file (LFS, runner outputs). */
        FILE
    }
}
