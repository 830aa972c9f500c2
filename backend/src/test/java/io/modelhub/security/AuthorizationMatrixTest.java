package io.modelhub.security;

import io.modelhub.accounts.AccountService;
import io.modelhub.testing.HubApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 part 8, first rows: every endpoint of the OpenAPI document, called anonymously and with another user's
 * write token against a private repository of the admin (and ids that exist only for others), answers the status
 * written here. A new endpoint without an entry fails this test, so whoever adds one decides what each caller gets.
 * The other callers of the matrix (read token, owner, admin, runner credential) are still to come.
 */
@QuarkusTest
class AuthorizationMatrixTest {
    static final String REPO = "matrix-private";

    static final String EXPECTED_STATUSES = """
            # endpoint: anonymous, another user's write token (the admin's private repository; ids of others)
            # accounts and tokens: admins only
            GET /api/admin/users 401 403
            POST /api/admin/users 401 403
            GET /api/admin/users/{username}/tokens 401 403
            POST /api/admin/users/{username}/tokens 401 403
            DELETE /api/admin/users/{username}/tokens/{id} 401 403
            GET /api/whoami-v2 401 200
            # repositories: the private one answers as if absent; a body without "name" is refused first
            POST /api/repos/create 400 400
            DELETE /api/repos/delete 400 400
            GET /api/{type} 200 200
            GET /api/{type}/{ns}/{name} 404 404
            GET /api/{type}/{ns}/{name}/refs 404 404
            GET /api/{type}/{ns}/{name}/revision/{rev} 404 404
            GET /api/{type}/{ns}/{name}/tree/{rest} 404 404
            PUT /api/{type}/{ns}/{name}/settings 404 404
            POST /api/{type}/{ns}/{name}/branch/{branch} 404 404
            DELETE /api/{type}/{ns}/{name}/branch/{branch} 404 404
            POST /api/{type}/{ns}/{name}/tag/{rev} 404 404
            DELETE /api/{type}/{ns}/{name}/tag/{tag} 404 404
            POST /api/{type}/{ns}/{name}/commit/{rev} 404 404
            POST /api/{type}/{ns}/{name}/paths-info/{rev} 404 404
            POST /api/{type}/{ns}/{name}/preupload/{rev} 404 404
            POST /api/validate-yaml 400 400
            GET /{ns}/{name}/resolve/{rest} 404 404
            HEAD /{ns}/{name}/resolve/{rest} 404 404
            GET /{ns}/{name}/raw/{rest} 404 404
            HEAD /{ns}/{name}/raw/{rest} 404 404
            GET /datasets/{ns}/{name}/resolve/{rest} 404 404
            HEAD /datasets/{ns}/{name}/resolve/{rest} 404 404
            GET /datasets/{ns}/{name}/raw/{rest} 404 404
            HEAD /datasets/{ns}/{name}/raw/{rest} 404 404
            GET /api/crossmodal/{namespace}/{name}/search 404 404
            # LFS: the batch needs write access; upload URLs carry their own signature
            POST /{ns}/{name}.git/info/lfs/objects/batch 404 404
            POST /datasets/{ns}/{name}.git/info/lfs/objects/batch 404 404
            PUT /api/lfs/uploads/{id} 403 403
            PUT /api/lfs/uploads/{id}/part/{n} 403 403
            POST /api/lfs/uploads/{id}/complete 403 403
            POST /api/lfs/uploads/{id}/verify 403 403
            # the fallback of unknown API paths
            GET /api/{rest} 404 404
            POST /api/{rest} 404 404
            PUT /api/{rest} 404 404
            DELETE /api/{rest} 404 404
            # jobs: nobody sees another's job (the list answers, the ids do not exist for them); a body is checked before
            # the caller's right to submit, so {} is a 400 for a user
            GET /api/jobs 200 200
            POST /api/jobs 401 400
            GET /api/jobs/{id} 404 404
            GET /api/jobs/{id}/events 404 404
            GET /api/jobs/{id}/logs 404 404
            GET /api/jobs/{id}/metrics 404 404
            POST /api/jobs/{id}/cancel 404 404
            POST /api/jobs/{id}/retry 404 404
            GET /api/recipes 200 200
            GET /api/runs/compare 400 400
            # leaderboards
            GET /api/benchmarks 200 200
            POST /api/benchmarks 401 400
            GET /api/benchmarks/{id} 404 404
            GET /api/benchmarks/{id}/evaluations 404 404
            POST /api/benchmarks/{id}/evaluations 404 404
            GET /api/benchmarks/{id}/leaderboard 404 404
            GET /api/evaluations 400 400
            GET /api/evaluations/{id} 404 404
            POST /api/evaluations/{id}/rerun 404 404
            # runners: admins manage them; the protocol needs a runner credential
            GET /api/runners 401 200
            POST /api/runners/{id}/drain 403 403
            GET /api/runner-credentials 401 403
            POST /api/runner-credentials 401 403
            DELETE /api/runner-credentials/{id} 401 403
            POST /api/runner/register 401 403
            POST /api/runner/{runner}/claim 401 403
            POST /api/runner/{runner}/heartbeat 401 403
            POST /api/runner/{runner}/offline 401 403
            GET /api/runner/{runner}/jobs/{job}/attempts/{attempt}/inputs 401 403
            GET /api/runner/{runner}/jobs/{job}/attempts/{attempt}/inputs/{role}/{path} 401 403
            GET /api/runner/{runner}/jobs/{job}/attempts/{attempt}/checkpoints/{epoch} 401 403
            PUT /api/runner/{runner}/jobs/{job}/attempts/{attempt}/checkpoints/{epoch} 401 403
            PUT /api/runner/{runner}/jobs/{job}/attempts/{attempt}/outputs/{path} 401 403
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/logs 401 403
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/metrics 401 403
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/complete 401 403
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/fail 401 403
            POST /api/runner/{runner}/inference/next 401 403
            GET /api/runner/{runner}/inference/{request}/files/{path} 401 403
            POST /api/runner/{runner}/inference/{request}/result 401 403
            # inference: whoever may download the model (a private model is absent to others)
            POST /models/{ns}/{name} 404 404
            POST /models/{ns}/{name}/pipeline/{task} 404 404
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/release 401 403
            """;

    /** The columns of {@link #EXPECTED_STATUSES}, in order. */
    static final List<String> CALLERS = List.of("anonymous", "another user's write token");

    /** "METHOD /path" as the OpenAPI document spells it -> the status of each of {@link #CALLERS}. */
    static final Map<String, int[]> EXPECTED = new TreeMap<>();

    static {
        EXPECTED_STATUSES.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(l -> {
            String[] words = l.split(" +");
            int statuses = 0;
            while (statuses < words.length - 2 && words[words.length - 1 - statuses].matches("^[0-9]{3}$")) {
                statuses++;
            }
            int[] codes = new int[statuses];
            for (int i = 0; i < statuses; i++) {
                codes[i] = Integer.parseInt(words[words.length - statuses + i]);
            }
            EXPECTED.put(String.join(" ", java.util.Arrays.copyOf(words, words.length - statuses)), codes);
        });
    }

    @Inject
    Accounts accounts;

    /** Eve: a user with a write token, who owns nothing the test calls. */
    @ApplicationScoped
    static class Accounts {
        @Inject
        AccountService service;
        private Account account;

        synchronized Account findOrCreate() {
            if (account == null) {
                io.modelhub.accounts.Account a = service.createUser("matrix-eve", "eve-password", "Eve", null, false);
                account = new Account(a.id, service.createToken(a.id, "cli", "write"));
            }
            return account;
        }
    }

    record Account(long id, String token) {
    }

    @Test
    void everyDocumentedEndpointHasAnExpectedStatusAndAnswersIt() throws Exception {
        HubApi.model(REPO).privateRepo().file("README.md", "secret card").create();
        Account eve = accounts.findOrCreate();
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
        StringBuilder observed = new StringBuilder();
        for (String key : documented) {
            int space = key.indexOf(' ');
            String method = key.substring(0, space);
            String url = fill(key.substring(space + 1));
            observed.append(key);
            int[] expected = EXPECTED.get(key);
            for (int caller = 0; caller < CALLERS.size(); caller++) {
                String token = caller == 0 ? null : eve.token;
                var request = RestAssured.given().redirects().follow(false).urlEncodingEnabled(false);
                if (token != null) {
                    request = request.header("Authorization", "Bearer " + token);
                }
                if (method.equals("PUT") && (url.contains("/runner/") || url.contains("/lfs/uploads/"))) {
                    request = request.contentType("application/octet-stream").body(new byte[]{1, 2, 3});
                } else if (!method.equals("GET") && !method.equals("HEAD")) {
                    request = request.contentType("application/json").body("{}");
                }
                Response r = request.request(method, url);
                observed.append(' ').append(r.statusCode());
                if (expected != null && expected.length > caller && expected[caller] != r.statusCode()) {
                    wrong.add(key + " as " + CALLERS.get(caller) + ": expected " + expected[caller] + ", got "
                            + r.statusCode() + " " + r.asString());
                }
                if (expected != null && expected.length <= caller) {
                    missing = new ArrayList<>(missing);
                    missing.add(key + " (no status for " + CALLERS.get(caller) + ")");
                }
                if (r.statusCode() / 100 == 2 && (url.contains(REPO) || r.asString().contains(REPO) || r.asString().contains("secret card"))) {
                    wrong.add(key + ": " + CALLERS.get(caller) + " got " + r.statusCode() + " with the private repository: " + r.asString());
                }
            }
            observed.append('\n');
        }
        Files.writeString(Path.of("target", "authorization-matrix.txt"), observed.toString());
        assertTrue(missing.isEmpty(), "Endpoints without an expected status for each caller " + CALLERS + " (add them to "
                + "EXPECTED_STATUSES; observed statuses are in target/authorization-matrix.txt): " + missing);
        assertTrue(stale.isEmpty(), "Entries for endpoints the OpenAPI document no longer has: " + stale);
        assertEquals(List.of(), wrong);
    }

    /** Path parameters: the admin's private repository, its main branch, ids no caller here owns. */
    static String fill(String template) {
        return template.replace("{ns}", "admin").replace("{name}", REPO).replace("{type}", "models")
                .replace("{rev}", "main").replace("{branch}", "main").replace("{tag}", "v1")
                .replace("{path}", "README.md").replace("{username}", "admin").replace("{namespace}", "admin")
                .replace("{rest}", "main/README.md").replace("/search", "/search?q=x")
                // ids no row has: the tests share one database, and an id another test created (a public
                // benchmark 1) would answer 200 where an absent one answers 404
                .replaceAll("\\{[A-Za-z]+}", "987654321");
    }

}
