package io.modelhub.security;

import io.modelhub.testing.HubApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
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
 * Issue 16 part 8, first row: every endpoint of the OpenAPI document, called anonymously against a private
 * repository of the admin (and ids that exist only for others), answers the status written here. A new endpoint
 * without an entry fails this test, so whoever adds one decides what an anonymous caller gets. The other callers
 * of the matrix (read token, another user's write token, owner, admin, runner credential) are still to come.
 */
@QuarkusTest
class AuthorizationMatrixTest {
    static final String REPO = "matrix-private";

    static final String EXPECTED_ANONYMOUS = """
            # accounts and tokens: admins only
            GET /api/admin/users 401
            POST /api/admin/users 401
            GET /api/admin/users/{username}/tokens 401
            POST /api/admin/users/{username}/tokens 401
            DELETE /api/admin/users/{username}/tokens/{id} 401
            GET /api/whoami-v2 401
            # repositories: the private one answers as if absent; a body without "name" is refused first
            POST /api/repos/create 400
            DELETE /api/repos/delete 400
            GET /api/{type} 200
            GET /api/{type}/{ns}/{name} 404
            GET /api/{type}/{ns}/{name}/refs 404
            GET /api/{type}/{ns}/{name}/revision/{rev} 404
            GET /api/{type}/{ns}/{name}/tree/{rest} 404
            PUT /api/{type}/{ns}/{name}/settings 404
            POST /api/{type}/{ns}/{name}/branch/{branch} 404
            DELETE /api/{type}/{ns}/{name}/branch/{branch} 404
            POST /api/{type}/{ns}/{name}/tag/{rev} 404
            DELETE /api/{type}/{ns}/{name}/tag/{tag} 404
            POST /api/{type}/{ns}/{name}/commit/{rev} 404
            POST /api/{type}/{ns}/{name}/paths-info/{rev} 404
            POST /api/{type}/{ns}/{name}/preupload/{rev} 404
            POST /api/validate-yaml 400
            GET /{ns}/{name}/resolve/{rest} 404
            HEAD /{ns}/{name}/resolve/{rest} 404
            GET /{ns}/{name}/raw/{rest} 404
            HEAD /{ns}/{name}/raw/{rest} 404
            GET /datasets/{ns}/{name}/resolve/{rest} 404
            HEAD /datasets/{ns}/{name}/resolve/{rest} 404
            GET /datasets/{ns}/{name}/raw/{rest} 404
            HEAD /datasets/{ns}/{name}/raw/{rest} 404
            GET /api/crossmodal/{namespace}/{name}/search 404
            # LFS: the batch needs write access; upload URLs carry their own signature
            POST /{ns}/{name}.git/info/lfs/objects/batch 404
            POST /datasets/{ns}/{name}.git/info/lfs/objects/batch 404
            PUT /api/lfs/uploads/{id} 403
            PUT /api/lfs/uploads/{id}/part/{n} 403
            POST /api/lfs/uploads/{id}/complete 403
            POST /api/lfs/uploads/{id}/verify 403
            # the fallback of unknown API paths
            GET /api/{rest} 404
            POST /api/{rest} 404
            PUT /api/{rest} 404
            DELETE /api/{rest} 404
            # jobs: anonymous callers see no job of anyone (the list answers, the ids do not exist for them)
            GET /api/jobs 200
            POST /api/jobs 401
            GET /api/jobs/{id} 404
            GET /api/jobs/{id}/events 404
            GET /api/jobs/{id}/logs 404
            GET /api/jobs/{id}/metrics 404
            POST /api/jobs/{id}/cancel 404
            POST /api/jobs/{id}/retry 404
            GET /api/recipes 200
            GET /api/runs/compare 400
            # leaderboards
            GET /api/benchmarks 200
            POST /api/benchmarks 401
            GET /api/benchmarks/{id} 404
            GET /api/benchmarks/{id}/evaluations 404
            POST /api/benchmarks/{id}/evaluations 404
            GET /api/benchmarks/{id}/leaderboard 404
            GET /api/evaluations 400
            GET /api/evaluations/{id} 404
            POST /api/evaluations/{id}/rerun 404
            # runners: admins manage them; the protocol needs a runner credential
            GET /api/runners 401
            POST /api/runners/{id}/drain 403
            GET /api/runner-credentials 401
            POST /api/runner-credentials 401
            DELETE /api/runner-credentials/{id} 401
            POST /api/runner/register 401
            POST /api/runner/{runner}/claim 401
            POST /api/runner/{runner}/heartbeat 401
            POST /api/runner/{runner}/offline 401
            GET /api/runner/{runner}/jobs/{job}/attempts/{attempt}/inputs 401
            GET /api/runner/{runner}/jobs/{job}/attempts/{attempt}/inputs/{role}/{path} 401
            GET /api/runner/{runner}/jobs/{job}/attempts/{attempt}/checkpoints/{epoch} 401
            PUT /api/runner/{runner}/jobs/{job}/attempts/{attempt}/checkpoints/{epoch} 401
            PUT /api/runner/{runner}/jobs/{job}/attempts/{attempt}/outputs/{path} 401
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/logs 401
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/metrics 401
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/complete 401
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/fail 401
            POST /api/runner/{runner}/jobs/{job}/attempts/{attempt}/release 401
            """;

    /** "METHOD /path" as the OpenAPI document spells it -> the anonymous caller's status. */
    static final Map<String, Integer> ANONYMOUS = new TreeMap<>();

    static {
        EXPECTED_ANONYMOUS.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(l -> {
            int space = l.lastIndexOf(' ');
            ANONYMOUS.put(l.substring(0, space).strip(), Integer.parseInt(l.substring(space + 1)));
        });
    }

    @Test
    void everyDocumentedEndpointHasAnExpectedStatusAndAnswersIt() throws Exception {
        HubApi.model(REPO).privateRepo().file("README.md", "secret card").create();
        Map<String, Object> paths = RestAssured.get("/q/openapi?format=json").then().statusCode(200).extract().jsonPath().getMap("paths");
        TreeSet<String> documented = new TreeSet<>();
        paths.forEach((path, ops) -> ((Map<?, ?>) ops).keySet().forEach(m -> {
            String method = m.toString().toUpperCase();
            if (List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD").contains(method)) {
                documented.add(method + " " + path);
            }
        }));
        List<String> missing = documented.stream().filter(k -> !ANONYMOUS.containsKey(k)).toList();
        List<String> stale = ANONYMOUS.keySet().stream().filter(k -> !documented.contains(k)).toList();

        List<String> wrong = new ArrayList<>();
        StringBuilder observed = new StringBuilder();
        for (String key : documented) {
            int space = key.indexOf(' ');
            String method = key.substring(0, space);
            String url = fill(key.substring(space + 1));
            var request = RestAssured.given().redirects().follow(false).urlEncodingEnabled(false);
            if (method.equals("PUT") && (url.contains("/runner/") || url.contains("/lfs/uploads/"))) {
                request = request.contentType("application/octet-stream").body(new byte[]{1, 2, 3});
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                request = request.contentType("application/json").body("{}");
            }
            Response r = request.request(method, url);
            observed.append(key).append(' ').append(r.statusCode()).append('\n');
            Integer expected = ANONYMOUS.get(key);
            if (expected != null && expected != r.statusCode()) {
                wrong.add(key + ": expected " + expected + ", got " + r.statusCode() + " " + r.asString());
            }
            if (r.statusCode() / 100 == 2 && (url.contains(REPO) || r.asString().contains(REPO) || r.asString().contains("secret card"))) {
                wrong.add(key + ": an anonymous caller got " + r.statusCode() + " with the private repository: " + r.asString());
            }
        }
        Files.writeString(Path.of("target", "authorization-matrix-anonymous.txt"), observed.toString());
        assertTrue(missing.isEmpty(), "Endpoints without an expected status for an anonymous caller (add them to "
                + "EXPECTED_ANONYMOUS; observed statuses are in target/authorization-matrix-anonymous.txt): " + missing);
        assertTrue(stale.isEmpty(), "Entries for endpoints the OpenAPI document no longer has: " + stale);
        assertEquals(List.of(), wrong);
    }

    /** Path parameters: the admin's private repository, its main branch, ids no caller here owns. */
    static String fill(String template) {
        return template.replace("{ns}", "admin").replace("{name}", REPO).replace("{type}", "models")
                .replace("{rev}", "main").replace("{branch}", "main").replace("{tag}", "v1")
                .replace("{path}", "README.md").replace("{username}", "admin").replace("{namespace}", "admin")
                .replace("{rest}", "main/README.md").replace("/search", "/search?q=x")
                .replaceAll("\\{[A-Za-z]+}", "1");
    }

}
