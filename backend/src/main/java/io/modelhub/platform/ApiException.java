package io.modelhub.platform;

/**
 * A request the hub refuses, with the HTTP status and, where the Hugging Face clients map it to an exception
 * type, the X-Error-Code they read (RepoNotFound, RevisionNotFound, EntryNotFound, ...).
 */
public class ApiException extends RuntimeException {
    private final int status;
    private final String errorCode;
    private final java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>();
    private final java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();

    public ApiException(int status, String errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    public int status() {
        return status;
    }

    /** May be null: not every refusal has a client-visible code. */
    public String errorCode() {
        return errorCode;
    }

    /** A field the JSON body carries beside "error" (a 503's "reason", HF's "estimated_time"). */
    public ApiException withField(String name, Object value) {
        fields.put(name, value);
        return this;
    }

    /** A response header, e.g. Retry-After. */
    public ApiException withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public java.util.Map<String, Object> fields() {
        return java.util.Collections.unmodifiableMap(fields);
    }

    public java.util.Map<String, String> headers() {
        return java.util.Collections.unmodifiableMap(headers);
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, null, message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, null, message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, null, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, null, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, null, message);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, null, message);
    }

    public static ApiException repoNotFound(String repoId) {
        return new ApiException(404, "RepoNotFound", "Repository " + repoId + " not found");
    }

    public static ApiException revisionNotFound(String revision) {
        return new ApiException(404, "RevisionNotFound", "Invalid rev id: " + revision);
    }

    public static ApiException entryNotFound(String path) {
        return new ApiException(404, "EntryNotFound", "Entry not found: " + path);
    }
}
