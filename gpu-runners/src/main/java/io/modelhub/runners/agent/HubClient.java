package io.modelhub.runners.agent;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.contract.RunnerProtocol.Claim;
import io.modelhub.contract.RunnerProtocol.Completion;
import io.modelhub.contract.RunnerProtocol.Failure;
import io.modelhub.contract.RunnerProtocol.Heartbeat;
import io.modelhub.contract.RunnerProtocol.HeartbeatAnswer;
import io.modelhub.contract.RunnerProtocol.InputListing;
import io.modelhub.contract.RunnerProtocol.LogLines;
import io.modelhub.contract.RunnerProtocol.MetricPoint;
import io.modelhub.contract.RunnerProtocol.Registered;
import io.modelhub.contract.RunnerProtocol.Registration;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runner's one client of the hub: every call of {@link RunnerProtocol}, typed, with the runner credential.
 * Transient failures (no connection, a timeout, 429, 5xx) are retried with exponential backoff; a download that
 * breaks off resumes with a Range request from the bytes it has. A refused credential (401/403) is never retried:
 * it surfaces as {@link CredentialRefused} so the agent can stop with a clear message.
 */
public final class HubClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String credential;
    private final Backoff backoff;
    /** Set when the agent stops: its last calls (give the job back, go offline) get one try, not a minute of retries. */
    private volatile boolean stopping;

    public HubClient(String base, String credential) {
        this(base, credential, Backoff.DEFAULT);
    }

    HubClient(String base, String credential, Backoff backoff) {
        this.base = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + RunnerProtocol.ROOT;
        this.credential = credential;
        this.backoff = backoff;
    }

    /** The attempt of a job this runner holds: the prefix of every call about it. */
    public record Lease(long runnerId, long jobId, int attempt) {
        String path(String template) {
            return template.replace("{runner}", Long.toString(runnerId)).replace("{job}", Long.toString(jobId))
                    .replace("{attempt}", Integer.toString(attempt));
        }
    }

    /** How often and how patiently a call is retried: attempts, first delay, longest delay. */
    public record Backoff(int attempts, Duration first, Duration max) {
        static final Backoff DEFAULT = new Backoff(8, Duration.ofMillis(500), Duration.ofSeconds(15));

        Duration delay(int retry) {
            long ms = first.toMillis() << Math.min(retry, 20);
            return Duration.ofMillis(Math.min(ms, max.toMillis()));
        }
    }

    /** An answer of the hub that is not a success; {@link #status()} is its HTTP status (0: no answer at all). */
    public static class HubException extends IOException {
        private final int status;

        HubException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }

        boolean transientFailure() {
            return status == 0 || status == 429 || (status >= 500 && status != 501);
        }
    }

    /** 401 or 403 on a runner call: the credential is unknown, revoked, or not this runner's. */
    public static final class CredentialRefused extends HubException {
        CredentialRefused(int status, String message) {
            super(status, message);
        }
    }

    /** From now on every call is tried once: the agent is stopping and must not outlive its grace period. */
    public void stopRetrying() {
        stopping = true;
    }

    public Registered register(Registration registration) throws IOException, InterruptedException {
        return post(RunnerProtocol.REGISTER, registration, Registered.class, Duration.ofSeconds(30));
    }

    /** Long-polls for a job; empty when none came within {@code waitSeconds}. */
    public Optional<Claim> claim(long runnerId, int waitSeconds) throws IOException, InterruptedException {
        String path = runner(RunnerProtocol.CLAIM, runnerId) + "?" + RunnerProtocol.WAIT + "=" + waitSeconds;
        return Optional.ofNullable(post(path, null, Claim.class, Duration.ofSeconds(waitSeconds + 20L)));
    }

    public HeartbeatAnswer heartbeat(long runnerId, Heartbeat beat) throws IOException, InterruptedException {
        return post(runner(RunnerProtocol.HEARTBEAT, runnerId), beat, HeartbeatAnswer.class, Duration.ofSeconds(20));
    }

    public void offline(long runnerId) throws IOException, InterruptedException {
        post(runner(RunnerProtocol.OFFLINE, runnerId), null, Void.class, Duration.ofSeconds(10));
    }

    public List<InputListing> inputs(Lease lease) throws IOException, InterruptedException {
        JavaType type = JSON.getTypeFactory().constructCollectionType(List.class, InputListing.class);
        return call("GET", lease.path(RunnerProtocol.INPUTS), null, null, type, Duration.ofMinutes(2));
    }

    public void downloadInput(Lease lease, String role, String path, Path target) throws IOException, InterruptedException {
        download(lease.path(RunnerProtocol.INPUT_FILE).replace("{role}", encode(role)).replace("{path: .+}", encodePath(path)), target);
    }

    /**
     * One tar stream of the named files of a held job's input ({@link RunnerProtocol#INPUT_ARCHIVE}); the caller reads
     * and closes it. Failures before the stream starts are retried like any call; one that breaks it off is the
     * caller's to resume, since only it knows which files arrived whole.
     */
    public InputStream openInputArchive(Lease lease, String role, List<String> paths) throws IOException, InterruptedException {
        String path = lease.path(RunnerProtocol.INPUT_ARCHIVE).replace("{role}", encode(role));
        byte[] body = JSON.writeValueAsBytes(new RunnerProtocol.ArchiveRequest(paths));
        for (int retry = 0; ; retry++) {
            HttpRequest request = request(path, Duration.ofHours(6)).header("Content-Type", "application/json")
                    .header("Accept", RunnerProtocol.ARCHIVE_TYPE + ", application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            try {
                HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
                if (r.statusCode() / 100 != 2) {
                    try (InputStream error = r.body()) {
                        check("POST", path, r.statusCode(), error.readAllBytes());
                    }
                }
                return r.body();
            } catch (IOException e) {
                retryOrThrow("POST " + path, e, retry);
            }
        }
    }

    public void metrics(Lease lease, List<MetricPoint> points) throws IOException, InterruptedException {
        post(lease.path(RunnerProtocol.METRICS), points, Void.class, Duration.ofSeconds(60));
    }

    public void logs(Lease lease, List<String> lines) throws IOException, InterruptedException {
        post(lease.path(RunnerProtocol.LOGS), new LogLines(lines), Void.class, Duration.ofSeconds(60));
    }

    public void putCheckpoint(Lease lease, int epoch, long step, Path zip) throws IOException, InterruptedException {
        put(checkpoint(lease, epoch) + "?" + RunnerProtocol.STEP + "=" + step, zip);
    }

    public void downloadCheckpoint(Lease lease, int epoch, Path target) throws IOException, InterruptedException {
        download(checkpoint(lease, epoch), target);
    }

    public void putOutput(Lease lease, String path, Path file) throws IOException, InterruptedException {
        put(lease.path(RunnerProtocol.OUTPUT).replace("{path: .+}", encodePath(path)), file);
    }

    public void complete(Lease lease, Completion completion) throws IOException, InterruptedException {
        post(lease.path(RunnerProtocol.COMPLETE), completion, Void.class, Duration.ofMinutes(10));
    }

    public void fail(Lease lease, Failure failure) throws IOException, InterruptedException {
        post(lease.path(RunnerProtocol.FAIL), failure, Void.class, Duration.ofSeconds(60));
    }

    public void release(Lease lease) throws IOException, InterruptedException {
        post(lease.path(RunnerProtocol.RELEASE), null, Void.class, Duration.ofSeconds(30));
    }

    /** Long-polls for inference requests; empty when none came within {@code waitSeconds}. */
    public List<InferenceProtocol.Work> inferenceNext(long runnerId, InferenceProtocol.Poll poll, int waitSeconds)
            throws IOException, InterruptedException {
        String path = runner(InferenceProtocol.NEXT, runnerId) + "?" + RunnerProtocol.WAIT + "=" + waitSeconds;
        JavaType type = JSON.getTypeFactory().constructCollectionType(List.class, InferenceProtocol.Work.class);
        List<InferenceProtocol.Work> work = call("POST", path, poll, null, type, Duration.ofSeconds(waitSeconds + 20L));
        return work == null ? List.of() : work;
    }

    public void inferenceResult(long runnerId, String request, InferenceProtocol.Result result)
            throws IOException, InterruptedException {
        post(runner(InferenceProtocol.RESULT, runnerId).replace("{request}", encode(request)), result, Void.class,
                Duration.ofSeconds(60));
    }

    /** One file of the model of an inference request this runner holds. */
    public void downloadInferenceFile(long runnerId, String request, String path, Path target)
            throws IOException, InterruptedException {
        download(runner(InferenceProtocol.FILE, runnerId).replace("{request}", encode(request))
                .replace("{path: .+}", encodePath(path)), target);
    }

    private static String runner(String template, long runnerId) {
        return template.replace("{runner}", Long.toString(runnerId));
    }

    private static String checkpoint(Lease lease, int epoch) {
        return lease.path(RunnerProtocol.CHECKPOINT).replace("{epoch}", Integer.toString(epoch));
    }

    private <T> T post(String path, Object body, Class<T> answer, Duration timeout) throws IOException, InterruptedException {
        return call("POST", path, body == null ? Map.of() : body, null, JSON.constructType(answer), timeout);
    }

    /** Streams a file (PUT, octet-stream); a retry sends it again whole, which the hub's PUTs allow (same key). */
    private void put(String path, Path file) throws IOException, InterruptedException {
        call("PUT", path, null, file, JSON.constructType(Void.class), Duration.ofHours(6));
    }

    private <T> T call(String method, String path, Object json, Path file, JavaType answer, Duration timeout)
            throws IOException, InterruptedException {
        for (int retry = 0; ; retry++) {
            HttpRequest.Builder request = request(path, timeout);
            if (file != null) {
                request.header("Content-Type", "application/octet-stream").method(method, HttpRequest.BodyPublishers.ofFile(file));
            } else if (json != null) {
                request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(json)));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            try {
                HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                check(method, path, r.statusCode(), r.body());
                if (r.statusCode() == 204 || r.body().length == 0 || answer.getRawClass() == Void.class) {
                    return null;
                }
                return JSON.readValue(r.body(), answer);
            } catch (IOException e) {
                retryOrThrow(method + " " + path, e, retry);
            }
        }
    }

    /**
     * GETs into {@code target}. A connection that breaks off mid-file is resumed with {@code Range: bytes=<have>-};
     * a hub that answers the whole file instead (200) starts the file over.
     */
    private void download(String path, Path target) throws IOException, InterruptedException {
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.deleteIfExists(target);
        for (int retry = 0; ; retry++) {
            long have = Files.exists(target) ? Files.size(target) : 0;
            HttpRequest.Builder request = request(path, Duration.ofHours(6)).GET();
            if (have > 0) {
                request.header("Range", "bytes=" + have + "-");
            }
            try {
                HttpResponse<InputStream> r = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream body = r.body()) {
                    if (r.statusCode() == 416 && have > 0) {
                        return; // the file was complete when the connection broke
                    }
                    if (r.statusCode() / 100 != 2) {
                        check("GET", path, r.statusCode(), body.readAllBytes());
                    }
                    boolean append = have > 0 && r.statusCode() == 206;
                    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                        body.transferTo(out);
                    }
                    return;
                }
            } catch (IOException e) {
                retryOrThrow("GET " + path, e, retry);
            }
        }
    }

    private void retryOrThrow(String what, IOException e, int retry) throws IOException, InterruptedException {
        boolean transientFailure = !(e instanceof HubException h) || h.transientFailure();
        if (!transientFailure || stopping || retry + 1 >= backoff.attempts()) {
            throw e instanceof HubException ? e : new HubException(0, what + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() + " (the hub did not answer)" : e.getMessage()));
        }
        Duration delay = backoff.delay(retry);
        System.err.println(what + " failed (" + e.getMessage() + "); retry " + (retry + 1) + " of "
                + (backoff.attempts() - 1) + " in " + delay.toMillis() + " ms");
        Thread.sleep(delay.toMillis());
    }

    private static void check(String method, String path, int status, byte[] body) throws HubException {
        if (status / 100 == 2) {
            return;
        }
        String message = new String(body, StandardCharsets.UTF_8);
        try {
            RunnerProtocol.ErrorBody error = JSON.readValue(body, RunnerProtocol.ErrorBody.class);
            if (error.error() != null) {
                message = error.error();
            }
        } catch (IOException notJson) {
            // keep the raw body
        }
        String text = method + " " + path + ": " + status + " " + message;
        throw status == 401 || status == 403 ? new CredentialRefused(status, text) : new HubException(status, text);
    }

    private HttpRequest.Builder request(String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).header("Authorization", "Bearer " + credential);
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public static String encodePath(String path) {
        StringBuilder sb = new StringBuilder();
        for (String segment : path.split("/")) {
            sb.append(sb.length() == 0 ? "" : "/").append(encode(segment));
        }
        return sb.toString();
    }

    public static ObjectMapper json() {
        return JSON;
    }
}
