package io.modelhub.security;

import io.modelhub.accounts.AccountService;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.testing.SimulatedRunner;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 part 8: every endpoint of the live OpenAPI document x seven callers x a public and a private repository
 * answers the status written in {@link #EXPECTED_STATUSES}. A documented endpoint without a row fails the build (and
 * a row for an endpoint that is gone), so whoever adds one decides what each caller gets.
 * <p>
 * The world: Alice (no admin) owns a public and a private model and dataset of the same names, a job on each, and an
 * evaluation of each model on a public benchmark. Eve is another user; both have a read and a write token. A runner
 * credential belongs to a runner that publishes no recipe, so it never claims anything. Path parameters are filled
 * from that world ({@link #fill}): the public or private repository, the job or evaluation on it, Alice's user name,
 * the matrix runner's id; ids whose answer is about existence (a runner credential, an upload ticket) get
 * 987654321, which no test creates, so no answer depends on another test class's rows.
 * <p>
 * Side effects: calls that create or delete get a throw-away target per call ({@link #PER_CALL}: a new repository to
 * delete, a fresh branch or tag, a throw-away token or credential to revoke), so the owner's and the admin's 2xx is a
 * real success and the next caller meets the same state. Other bodies are deliberately incomplete ({@code {}}): a
 * caller who passes the access rules gets the method's own 400, and the cell says so. {@code ok} in a cell means
 * "passed the access rules" (not 401, 403 or 404, and no 5xx) where the answer after that depends on what other
 * classes registered (a rerun submits an evaluation job, which needs the real runners' "evaluate" recipe).
 * <p>
 * Besides the status: no caller who may not read the private repository gets its name in a 2xx answer or its card's
 * text in any answer (lists, leaderboards, job pages, errors).
 */
@QuarkusTest
class AuthorizationMatrixTest {
    static final String OWNER = "matrix-alice";
    static final String OTHER = "matrix-eve";
    static final String PUBLIC = "matrix-public";
    static final String PRIVATE = "matrix-private";
    static final String SECRET = "secret card of the private repository";
    static final String ABSENT = "987654321";

    /**
     * One row per documented endpoint: {@code METHOD /path spec}. The spec holds seven cells, in the order of
     * {@link Caller}, for both repositories, or {@code public-cells / private-cells}, or a pattern of {@link #PATTERNS}
     * with the cell of the callers it lets through ({@code write 200}). A cell: a status, or {@code ok}.
     */
    static final String EXPECTED_STATUSES = """
            # columns: anonymous, Eve read, Eve write, Alice read, Alice write, admin, runner credential
            # accounts and tokens: admins only ({username}: Alice)
            GET /api/admin/users                                admin 200
            POST /api/admin/users                               admin 400
            GET /api/admin/users/{username}/tokens              admin 200
            POST /api/admin/users/{username}/tokens             admin 400
            DELETE /api/admin/users/{username}/tokens/{id}      admin 204
            GET /api/whoami-v2                                  signed-in 200
            # repositories: read: public any, private Alice + admin (others: 404, as if absent); write: Alice write + admin
            POST /api/repos/create                              401 403 403 403 200 200 403
            DELETE /api/repos/delete                            401 403 403 403 200 200 403 / 401 404 404 403 200 200 403
            GET /api/{type}                                     any 200
            GET /api/{type}/{ns}/{name}                         read 200
            GET /api/{type}/{ns}/{name}/refs                    read 200
            GET /api/{type}/{ns}/{name}/revision/{rev}          read 200
            GET /api/{type}/{ns}/{name}/tree/{rest}             read 200
            PUT /api/{type}/{ns}/{name}/settings                write 200
            POST /api/{type}/{ns}/{name}/branch/{branch}        write 200
            DELETE /api/{type}/{ns}/{name}/branch/{branch}      write 200
            POST /api/{type}/{ns}/{name}/tag/{rev}              write 200
            DELETE /api/{type}/{ns}/{name}/tag/{tag}            write 200
            POST /api/{type}/{ns}/{name}/commit/{rev}           write 400
            POST /api/{type}/{ns}/{name}/paths-info/{rev}       read 200
            POST /api/{type}/{ns}/{name}/preupload/{rev}        write 400
            POST /api/validate-yaml                             any 400
            GET /{ns}/{name}/resolve/{rest}                     read 200
            HEAD /{ns}/{name}/resolve/{rest}                    read 200
            GET /{ns}/{name}/raw/{rest}                         read 200
            HEAD /{ns}/{name}/raw/{rest}                        read 200
            GET /datasets/{ns}/{name}/resolve/{rest}            read 200
            HEAD /datasets/{ns}/{name}/resolve/{rest}           read 200
            GET /datasets/{ns}/{name}/raw/{rest}                read 200
            HEAD /datasets/{ns}/{name}/raw/{rest}               read 200
            GET /api/crossmodal/{namespace}/{name}/search       read 400
            # LFS: the batch needs write access; upload URLs carry their own signature (none here: 403 for all)
            POST /{ns}/{name}.git/info/lfs/objects/batch        write 400
            POST /datasets/{ns}/{name}.git/info/lfs/objects/batch write 400
            PUT /api/lfs/uploads/{id}                           403 403 403 403 403 403 403
            PUT /api/lfs/uploads/{id}/part/{n}                  403 403 403 403 403 403 403
            POST /api/lfs/uploads/{id}/complete                 403 403 403 403 403 403 403
            POST /api/lfs/uploads/{id}/verify                   403 403 403 403 403 403 403
            # Xet: a write token as the LFS batch, a read token as resolve; the CAS takes only its own xet_ tokens (an hf_
            # token or none: 401), which XetCasTest covers (scope, repo, forgery, expiry)
            GET /api/{type}/{ns}/{name}/xet-write-token/{rev}   write 200
            GET /api/{type}/{ns}/{name}/xet-read-token/{rev}    read 200
            GET /api/admin/xet/storage                          admin 200
            POST /v1/xorbs/{prefix}/{hash}                      401 401 401 401 401 401 403
            POST /v1/shards                                     401 401 401 401 401 401 403
            GET /v1/chunks/{prefix}/{hash}                      401 401 401 401 401 401 403
            GET /v2/reconstructions/{file}                      401 401 401 401 401 401 403
            # a xorb range URL from a reconstruction is its own credential (none here: 403 for all)
            GET /v1/fetch/{hash}                                403 403 403 403 403 403 403
            # the fallback of unknown API paths
            GET /api/{rest}                                     any 404
            POST /api/{rest}                                    any 404
            PUT /api/{rest}                                     any 404
            DELETE /api/{rest}                                  any 404
            # jobs ({id}: Alice's job on the public or the private repository; cancel and retry: a fresh one per call): only
            # the submitter and admins see one, and only their write tokens change it
            GET /api/jobs                                       200 200 200 200 200 200 403
            POST /api/jobs                                      401 403 400 403 400 400 403
            GET /api/jobs/{id}                                  own 200
            GET /api/jobs/{id}/events                           own 200
            GET /api/jobs/{id}/logs                             own 200
            GET /api/jobs/{id}/metrics                          own 200
            POST /api/jobs/{id}/cancel                          401 404 404 403 200 200 403
            POST /api/jobs/{id}/retry                           401 404 404 403 200 200 403
            GET /api/recipes                                    any 200
            GET /api/runs/compare                               own 200
            # leaderboards ({id}: a public benchmark; evaluations of Alice's public or private model)
            GET /api/benchmarks                                 any 200
            POST /api/benchmarks                                401 403 400 403 400 400 403
            GET /api/benchmarks/{id}                            any 200
            GET /api/benchmarks/{id}/evaluations                any 200
            POST /api/benchmarks/{id}/evaluations               401 403 400 403 400 400 403
            GET /api/benchmarks/{id}/leaderboard                any 200
            GET /api/evaluations                                read 200
            GET /api/evaluations/{id}                           read 200
            POST /api/evaluations/{id}/rerun                    401 403 403 403 ok ok 403 / 401 404 404 403 ok ok 403
            # runners: admins manage them ({id}: the matrix runner); the protocol needs a runner credential, and the
            # matrix runner's own id with a job it does not hold
            GET /api/runners                                    signed-in 200
            POST /api/runners/{id}/drain                        admin 204
            GET /api/runner-credentials                         admin 200
            POST /api/runner-credentials                        admin 400
            DELETE /api/runner-credentials/{id}                 admin 204
            POST /api/runner/register                           runner 400
            POST /api/runner/{runner}/claim                     runner 204
            POST /api/runner/{runner}/heartbeat                 runner 200
            POST /api/runner/{runner}/offline                   runner 204
            GET /api/runner/{runner}/jobs/{job}/attempts/{attempt}/inputs                   runner 409
            GET /api/runner/{runner}/jobs/{job}/attempts/{attempt}/inputs/{role}/{path}     runner 409
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/input-archives/{role}   runner 409
            GET /api/runner/{runner}/jobs/{job}/attempts/{attempt}/checkpoints/{epoch}      runner 409
            PUT /api/runner/{runner}/jobs/{job}/attempts/{attempt}/checkpoints/{epoch}      runner 409
            PUT /api/runner/{runner}/jobs/{job}/attempts/{attempt}/outputs/{path}           runner 409
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/logs                    runner 409
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/metrics                 runner 400
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/complete                runner 409
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/fail                    runner 409
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/release                 runner 409
            POST /api/runner/{runner}/inference/next            runner 204
            GET /api/runner/{runner}/inference/{request}/files/{path}   runner 404
            POST /api/runner/{runner}/inference/{request}/result        runner 400
            # inference: whoever may read the model (a private model is absent to others)
            POST /models/{ns}/{name}                            read 400
            POST /models/{ns}/{name}/pipeline/{task}            read 400
            """;

    /** The columns, in order. */
    enum Caller {
        ANONYMOUS, OTHER_READ, OTHER_WRITE, OWNER_READ, OWNER_WRITE, ADMIN, RUNNER
    }

    /**
     * The common rules, as public-cells / private-cells; {@code X} is the cell of the row (what a caller who passes
     * gets). A runner credential is refused (403) on every call but the runner protocol.
     */
    static final Map<String, String> PATTERNS = Map.of(
            // anyone, also anonymous
            "any", "X X X X X X 403",
            // any account, with either token
            "signed-in", "401 X X X X X 403",
            // read: public any, private Alice + admin (404 for others: as if absent)
            "read", "X X X X X X 403 / 404 404 404 X X X 403",
            // write: public and private, Alice's write token + admin; a reader without write gets 401/403
            "write", "401 403 403 403 X X 403 / 404 404 404 403 X X 403",
            // Alice's job: the submitter and admins see it, nobody else learns it exists
            "own", "404 404 404 X X X 403",
            "admin", "401 403 403 403 403 X 403",
            "runner", "401 403 403 403 403 403 X");

    record Expectation(String[] publicCells, String[] privateCells) {
    }

    static final Map<String, Expectation> EXPECTED = new TreeMap<>();

    static {
        EXPECTED_STATUSES.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(l -> {
            String[] words = l.split(" +", 3);
            String key = words[0] + " " + words[1];
            String spec = words[2].strip();
            String[] pattern = spec.split(" ");
            if (PATTERNS.containsKey(pattern[0])) {
                if (pattern.length != 2) {
                    throw new IllegalArgumentException(key + ": pattern '" + pattern[0] + "' takes one cell: " + spec);
                }
                spec = PATTERNS.get(pattern[0]).replace("X", pattern[1]);
            }
            String[] halves = spec.split(" / ");
            String[] pub = halves[0].strip().split(" +");
            String[] priv = (halves.length > 1 ? halves[1] : halves[0]).strip().split(" +");
            if (pub.length != Caller.values().length || priv.length != Caller.values().length) {
                throw new IllegalArgumentException(key + ": seven cells per repository, got: " + spec);
            }
            EXPECTED.put(key, new Expectation(pub, priv));
        });
    }

    static boolean matches(String cell, int status) {
        if (cell.equals("ok")) {
            return status != 401 && status != 403 && status != 404 && status < 500;
        }
        return Integer.parseInt(cell) == status;
    }

    @Inject
    AccountService accountService;
    @Inject
    EntityManager em;

    /** The world of the class comment, built once. */
    static World world;

    record World(long ownerId, Map<Caller, String> tokens, long runnerId, Map<Boolean, Long> jobs, long benchmark,
                 Map<Boolean, Long> evaluations) {
        String token(Caller caller) {
            return tokens.get(caller);
        }
    }

    synchronized World world() {
        if (world != null) {
            return world;
        }
        var alice = accountService.createUser(OWNER, "alice-password", "Alice", null, false);
        var eve = accountService.createUser(OTHER, "eve-password", "Eve", null, false);
        Map<Caller, String> tokens = new LinkedHashMap<>();
        tokens.put(Caller.OTHER_READ, accountService.createToken(eve.id, "cli", "read"));
        tokens.put(Caller.OTHER_WRITE, accountService.createToken(eve.id, "cli", "write"));
        tokens.put(Caller.OWNER_READ, accountService.createToken(alice.id, "cli", "read"));
        tokens.put(Caller.OWNER_WRITE, accountService.createToken(alice.id, "cli", "write"));
        tokens.put(Caller.ADMIN, HubServicesResource.ADMIN_TOKEN);
        String aliceWrite = tokens.get(Caller.OWNER_WRITE);
        String cnn = "{\"model_type\":\"modelhub-cnn\"}";
        HubApi.model(PUBLIC).owner(OWNER, aliceWrite).file("config.json", cnn).file("README.md", "public card").create();
        HubApi.model(PRIVATE).owner(OWNER, aliceWrite).privateRepo().file("config.json", cnn).file("README.md", SECRET).create();
        HubApi.dataset(PUBLIC).owner(OWNER, aliceWrite).file("README.md", "public card")
                .file("train/circle/1.png", new byte[]{1}).file("train/square/2.png", new byte[]{2}).create();
        HubApi.dataset(PRIVATE).owner(OWNER, aliceWrite).privateRepo().file("README.md", SECRET)
                .file("train/circle/1.png", new byte[]{3}).file("train/square/2.png", new byte[]{4}).create();

        // the simulated recipe Alice's jobs name; the matrix runner itself publishes none, so it never claims a job
        SimulatedRunner.register("matrix-publisher", 0);
        SimulatedRunner runner = SimulatedRunner.register("matrix-runner", 0, List.of());
        tokens.put(Caller.RUNNER, runner.credential());

        Map<Boolean, Long> jobs = new LinkedHashMap<>();
        for (boolean privateRepo : new boolean[]{false, true}) {
            jobs.put(privateRepo, submitJob(aliceWrite, privateRepo));
        }
        long benchmark = HubApi.as(aliceWrite).contentType("application/json")
                .body(Map.of("name", "matrix-accuracy", "task", "image-classification", "dataset", OWNER + "/" + PUBLIC,
                        "split", "train", "metric", "accuracy"))
                .post("/api/benchmarks").then().statusCode(201).extract().jsonPath().getLong("id");
        // Evaluations are written by the "evaluate" recipe of the real runners, which this class does not start: the
        // rows are what EvaluationService.evaluate writes, scored, without a job.
        Map<Boolean, Long> evaluations = new LinkedHashMap<>();
        for (boolean privateRepo : new boolean[]{false, true}) {
            String name = privateRepo ? PRIVATE : PUBLIC;
            String commit = HubApi.as(aliceWrite).get("/api/models/" + OWNER + "/" + name).then().statusCode(200)
                    .extract().jsonPath().getString("sha");
            evaluations.put(privateRepo, QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                            "insert into evaluations (benchmark_id, repo_id, model_commit, seed, score, finished_at) "
                                    + "select ?1, id, ?2, 42, 0.5, now() from repos where namespace = ?3 and name = ?4 and type = 'model' "
                                    + "returning id")
                    .setParameter(1, benchmark).setParameter(2, commit).setParameter(3, OWNER).setParameter(4, name)
                    .getSingleResult()).longValue()));
        }
        world = new World(alice.id, tokens, runner.id(), jobs, benchmark, evaluations);
        return world;
    }

    static final AtomicInteger SERIAL = new AtomicInteger();

    /** A job of Alice's on her public or private model and dataset (the simulated recipe; nobody claims it). */
    static long submitJob(String aliceWrite, boolean privateRepo) {
        String repo = OWNER + "/" + (privateRepo ? PRIVATE : PUBLIC);
        return HubApi.as(aliceWrite).contentType("application/json")
                .body(Map.of("recipe", SimulatedRunner.IMAGE, "baseModel", repo, "dataset", repo,
                        "outputRepo", OWNER + "/matrix-output-" + SERIAL.incrementAndGet()))
                .post("/api/jobs").then().statusCode(201).extract().jsonPath().getLong("id");
    }

    static long submitJob(boolean privateRepo) {
        return submitJob(world.token(Caller.OWNER_WRITE), privateRepo);
    }

    /**
     * Calls that create or delete something: the URL (already filled) and body of each call, after making its
     * throw-away target, so every caller meets the same state.
     */
    final Map<String, BiFunction<String, Boolean, Call>> PER_CALL = Map.ofEntries(
            perCall("POST /api/repos/create", (url, privateRepo) -> new Call(url, "{\"type\":\"model\",\"organization\":\"" + OWNER
                    + "\",\"name\":\"matrix-new-" + SERIAL.incrementAndGet() + "\",\"private\":" + privateRepo + "}")),
            perCall("DELETE /api/repos/delete", (url, privateRepo) -> {
                String name = "matrix-doomed-" + SERIAL.incrementAndGet();
                var builder = HubApi.model(name).owner(OWNER, world.token(Caller.OWNER_WRITE));
                (privateRepo ? builder.privateRepo() : builder).create();
                return new Call(url, "{\"type\":\"model\",\"organization\":\"" + OWNER + "\",\"name\":\"" + name + "\"}");
            }),
            perCall("POST /api/{type}/{ns}/{name}/branch/{branch}", (url, privateRepo) ->
                    new Call(url.replace("/branch/main", "/branch/matrix-b" + SERIAL.incrementAndGet()), "{}")),
            perCall("DELETE /api/{type}/{ns}/{name}/branch/{branch}", (url, privateRepo) -> {
                String branch = "matrix-doomed-b" + SERIAL.incrementAndGet();
                HubApi.asAdmin().contentType("application/json").body("{}")
                        .post(url.replace("/branch/main", "/branch/" + branch)).then().statusCode(200);
                return new Call(url.replace("/branch/main", "/branch/" + branch), null);
            }),
            perCall("POST /api/{type}/{ns}/{name}/tag/{rev}", (url, privateRepo) ->
                    new Call(url, "{\"tag\":\"matrix-t" + SERIAL.incrementAndGet() + "\"}")),
            perCall("DELETE /api/{type}/{ns}/{name}/tag/{tag}", (url, privateRepo) -> {
                String tag = "matrix-doomed-t" + SERIAL.incrementAndGet();
                HubApi.asAdmin().contentType("application/json").body("{\"tag\":\"" + tag + "\"}")
                        .post(url.replace("/tag/v1", "/tag/main")).then().statusCode(200);
                return new Call(url.replace("/tag/v1", "/tag/" + tag), null);
            }),
            perCall("DELETE /api/admin/users/{username}/tokens/{id}", (url, privateRepo) -> {
                String name = "matrix-doomed-" + SERIAL.incrementAndGet();
                accountService.createToken(world.ownerId(), name, "read");
                long id = HubApi.asAdmin().get("/api/admin/users/" + OWNER + "/tokens").then().statusCode(200).extract()
                        .jsonPath().getLong("find { it.name == '" + name + "' }.id");
                return new Call(url.replace(ABSENT, Long.toString(id)), null);
            }),
            perCall("PUT /api/{type}/{ns}/{name}/settings", (url, privateRepo) -> new Call(url, "{\"private\":" + privateRepo + "}")),
            perCall("POST /api/jobs/{id}/cancel", (url, privateRepo) ->
                    new Call(url.replace("/" + world.jobs().get(privateRepo) + "/", "/" + submitJob(privateRepo) + "/"), null)),
            perCall("POST /api/jobs/{id}/retry", (url, privateRepo) -> {
                long job = submitJob(privateRepo);
                HubApi.as(world.token(Caller.OWNER_WRITE)).post("/api/jobs/" + job + "/cancel").then().statusCode(200);
                return new Call(url.replace("/" + world.jobs().get(privateRepo) + "/", "/" + job + "/"), null);
            }),
            perCall("DELETE /api/runner-credentials/{id}", (url, privateRepo) -> {
                long id = HubApi.asAdmin().contentType("application/json").body(Map.of("name", "matrix-doomed-" + SERIAL.incrementAndGet()))
                        .post("/api/runner-credentials").then().statusCode(201).extract().jsonPath().getLong("id");
                return new Call(url.replace(ABSENT, Long.toString(id)), null);
            }));

    static Map.Entry<String, BiFunction<String, Boolean, Call>> perCall(String key, BiFunction<String, Boolean, Call> call) {
        return Map.entry(key, call);
    }

    record Call(String url, String body) {
    }

    @Test
    void everyDocumentedEndpointAnswersEachCallerAsWrittenOnAPublicAndAPrivateRepository() throws Exception {
        StringBuilder observed = new StringBuilder();
        long start = System.nanoTime();
        World w = world();
        observed.append("world built in ").append((System.nanoTime() - start) / 1_000_000).append(" ms\n");
        Map<String, Object> paths = RestAssured.get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath().getMap("paths");
        TreeSet<String> documented = new TreeSet<>();
        paths.forEach((path, ops) -> ((Map<?, ?>) ops).keySet().forEach(m -> {
            String method = m.toString().toUpperCase();
            if (List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD").contains(method)) {
                documented.add(method + " " + path);
            }
        }));
        List<String> missing = documented.stream().filter(k -> !EXPECTED.containsKey(k)).toList();
        List<String> stale = EXPECTED.keySet().stream().filter(k -> !documented.contains(k)).toList();

        List<String> wrong = new ArrayList<>();
        try {
            for (String key : documented) {
                int space = key.indexOf(' ');
                String method = key.substring(0, space);
                Expectation expected = EXPECTED.get(key);
                long rowStart = System.nanoTime();
                observed.append(String.format("%-52s", key));
                for (boolean privateRepo : new boolean[]{false, true}) {
                    observed.append(privateRepo ? " /" : "");
                    for (Caller caller : Caller.values()) {
                        Call call = PER_CALL.containsKey(key) ? PER_CALL.get(key).apply(fill(key.substring(space + 1), privateRepo, w), privateRepo)
                                : new Call(fill(key.substring(space + 1), privateRepo, w), null);
                        Response r = send(method, call, w.token(caller));
                        observed.append(' ').append(r.statusCode());
                        String cell = expected == null ? null : (privateRepo ? expected.privateCells() : expected.publicCells())[caller.ordinal()];
                        if (cell != null && !matches(cell, r.statusCode())) {
                            wrong.add(key + (privateRepo ? " (private)" : " (public)") + " as " + caller + ": expected " + cell
                                    + ", got " + r.statusCode() + " " + abbreviate(r.asString()));
                        }
                        boolean reader = caller == Caller.OWNER_READ || caller == Caller.OWNER_WRITE || caller == Caller.ADMIN;
                        String body = r.asString();
                        if (!reader && (body.contains(SECRET) || (r.statusCode() / 100 == 2 && body.contains(PRIVATE)))) {
                            wrong.add(key + (privateRepo ? " (private)" : " (public)") + ": " + caller + " got " + r.statusCode()
                                    + " with the private repository in it: " + abbreviate(body));
                        }
                    }
                }
                observed.append(String.format("  (%d ms)%n", (System.nanoTime() - rowStart) / 1_000_000));
            }
        } finally {
            cancelQueuedJobs();
            Files.writeString(Path.of("target", "authorization-matrix.txt"), observed.toString());
        }
        assertTrue(missing.isEmpty(), "Endpoints without a row (add them to EXPECTED_STATUSES; what each caller got is in "
                + "target/authorization-matrix.txt): " + missing);
        assertTrue(stale.isEmpty(), "Rows for endpoints the OpenAPI document no longer has: " + stale);
        assertEquals(List.of(), wrong);
    }

    /**
     * Nothing queued here waits for the runners of the classes after this one: Alice's jobs, and the evaluation jobs a
     * rerun queued on her models (where the real runners' "evaluate" recipe was registered before).
     */
    static void cancelQueuedJobs() {
        for (String query : List.of("owner=" + OWNER, "model=" + OWNER + "/" + PUBLIC, "model=" + OWNER + "/" + PRIVATE)) {
            for (Object job : HubApi.asAdmin().get("/api/jobs?state=queued&" + query).then().statusCode(200)
                    .extract().jsonPath().getList("id")) {
                HubApi.asAdmin().post("/api/jobs/" + job + "/cancel").then().statusCode(200);
            }
        }
    }

    /**
     * Issue 16's rerun rule, the case the matrix cannot show: Eve, who writes nothing of Alice's, submitted an
     * evaluation of Alice's public model, so she may rerun it (with her write token), where she may not rerun
     * Alice's own evaluation of it (the matrix: 403).
     */
    @Test
    void theSubmitterOfAnEvaluationMayRerunIt() {
        World w = world();
        String eve = w.token(Caller.OTHER_WRITE);
        String repo = OWNER + "/" + PUBLIC;
        // the job an evaluation of Eve's would name (the simulated recipe stands in for "evaluate"), cancelled at once
        long job = HubApi.as(eve).contentType("application/json").body(Map.of("recipe", SimulatedRunner.IMAGE, "baseModel", repo,
                "dataset", repo, "outputRepo", OTHER + "/matrix-evaluated-" + SERIAL.incrementAndGet())).post("/api/jobs")
                .then().statusCode(201).extract().jsonPath().getLong("id");
        HubApi.as(eve).post("/api/jobs/" + job + "/cancel").then().statusCode(200);
        String commit = HubApi.as(eve).get("/api/models/" + repo).then().statusCode(200).extract().jsonPath().getString("sha");
        long evaluation = QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                        "insert into evaluations (benchmark_id, repo_id, model_commit, job_id, seed, score, finished_at) "
                                + "select ?1, id, ?2, ?3, 42, 0.5, now() from repos where namespace = ?4 and name = ?5 and type = 'model' "
                                + "returning id")
                .setParameter(1, w.benchmark()).setParameter(2, commit).setParameter(3, job).setParameter(4, OWNER)
                .setParameter(5, PUBLIC).getSingleResult()).longValue());
        try {
            Response mine = HubApi.as(eve).post("/api/evaluations/" + evaluation + "/rerun");
            assertTrue(matches("ok", mine.statusCode()), "the submitter's rerun: " + mine.statusCode() + " " + mine.asString());
            HubApi.as(w.token(Caller.OTHER_READ)).post("/api/evaluations/" + evaluation + "/rerun").then().statusCode(403);
            HubApi.as(eve).post("/api/evaluations/" + w.evaluations().get(false) + "/rerun").then().statusCode(403);
        } finally {
            cancelQueuedJobs();
        }
    }

    static Response send(String method, Call call, String token) {
        RequestSpecification request = RestAssured.given().redirects().follow(false).urlEncodingEnabled(false);
        if (token != null) {
            request = request.header("Authorization", "Bearer " + token);
        }
        String url = call.url();
        if (call.body() != null) {
            request = request.contentType("application/json").body(call.body());
        } else if (method.equals("PUT") && (url.contains("/runner/") || url.contains("/lfs/uploads/"))) {
            request = request.contentType("application/octet-stream").body(new byte[]{1, 2, 3});
        } else if (!method.equals("GET") && !method.equals("HEAD")) {
            request = request.contentType("application/json").body("{}");
        }
        return request.request(method, url);
    }

    static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    /** Path parameters from the world of the class comment, for the public or the private repository. */
    static String fill(String template, boolean privateRepo, World w) {
        String name = privateRepo ? PRIVATE : PUBLIC;
        String id = ABSENT;
        if (template.startsWith("/api/jobs/") || template.startsWith("/api/runs/")) {
            id = Long.toString(w.jobs().get(privateRepo));
        } else if (template.startsWith("/api/benchmarks/")) {
            id = Long.toString(w.benchmark());
        } else if (template.startsWith("/api/evaluations/")) {
            id = Long.toString(w.evaluations().get(privateRepo));
        } else if (template.startsWith("/api/runners/")) {
            id = Long.toString(w.runnerId());
        }
        String url = template.replace("{ns}", OWNER).replace("{namespace}", OWNER).replace("{name}", name)
                .replace("{type}", "models").replace("{rev}", "main").replace("{branch}", "main").replace("{tag}", "v1")
                .replace("{path}", "README.md").replace("{username}", OWNER).replace("/tree/{rest}", "/tree/main").replace("{rest}", "main/README.md")
                .replace("{runner}", Long.toString(w.runnerId())).replace("{attempt}", "1").replace("{epoch}", "1")
                .replace("{role}", "base_model").replace("{task}", "text-classification").replace("{n}", "1")
                .replace("{id}", id).replaceAll("\\{[A-Za-z]+}", ABSENT);
        if (url.endsWith("/search")) {
            url += "?q=x";
        } else if (url.equals("/api/evaluations")) {
            url += "?model=" + OWNER + "/" + name;
        } else if (url.equals("/api/runs/compare")) {
            url += "?jobs=" + w.jobs().get(privateRepo);
        } else if (url.endsWith("/claim") || url.endsWith("/inference/next")) {
            url += "?wait=0";
        }
        return url;
    }
}
