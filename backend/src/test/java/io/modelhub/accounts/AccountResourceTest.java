package io.modelhub.accounts;

import io.modelhub.testing.HubApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Accounts, tokens and who may see and change what. */
@QuarkusTest
class AccountResourceTest {
    @Inject
    AccountService accounts;

    @Test
    void adminCreatesUsersAndPermissionsHold() {
        HubApi.asAdmin().contentType("application/json")
                .body(Map.of("username", "alice", "password", "alice-password", "fullname", "Alice"))
                .post("/api/admin/users").then().statusCode(201).body("username", equalTo("alice"));
        HubApi.asAdmin().contentType("application/json").body(Map.of("username", "alice", "password", "another-password"))
                .post("/api/admin/users").then().statusCode(409);
        HubApi.asAdmin().contentType("application/json").body(Map.of("username", "bob", "password", "short"))
                .post("/api/admin/users").then().statusCode(400).body("error", equalTo("Password must have at least 8 characters"));
        HubApi.asAdmin().get("/api/admin/users").then().statusCode(200).body("username", hasItem("alice"));

        long alice = accounts.authenticate("alice", "alice-password").orElseThrow().id;
        assertTrue(accounts.authenticate("alice", "wrong-password").isEmpty());
        String write = accounts.createToken(alice, "laptop", "write");
        String read = accounts.createToken(alice, "ci", "read");
        assertTrue(write.matches("^hf_[A-Za-z0-9]{34}$"), write);

        HubApi.as(write).get("/api/admin/users").then().statusCode(403);
        HubApi.model("admins-private").privateRepo().file("a.txt", "secret").create();
        HubApi.model("admins-public").file("a.txt", "public").create();
        HubApi.as(write).get("/api/models/admin/admins-private").then().statusCode(404).header("X-Error-Code", "RepoNotFound");
        HubApi.as(write).get("/api/models/admin/admins-public").then().statusCode(200);
        HubApi.model("admins-public").token(write).commit(Map.of("b.txt", new byte[]{1}), "not mine").then().statusCode(403);
        HubApi.as(write).contentType("application/json").body(Map.of("name", "admin/not-my-namespace"))
                .post("/api/repos/create").then().statusCode(403);
        HubApi.as(read).contentType("application/json").body(Map.of("name", "read-only-token"))
                .post("/api/repos/create").then().statusCode(403).body("error", equalTo("This token is read-only"));
        HubApi.as(write).contentType("application/json").body(Map.of("name", "alices-model"))
                .post("/api/repos/create").then().statusCode(200).body("name", equalTo("alice/alices-model"));
        HubApi.as(read).get("/api/whoami-v2").then().statusCode(200).body("name", equalTo("alice"))
                .body("auth.accessToken.role", equalTo("read"));
        RestAssured.get("/api/models?author=alice").then().statusCode(200).body("id", hasItem("alice/alices-model"));
    }

    @Test
    void adminsManageAUsersTokensWithoutABrowser() {
        accounts.createUser("trent", "trent-password", "Trent", null, false);
        String token = HubApi.asAdmin().contentType("application/json").body(Map.of("name", "ci", "role", "write"))
                .post("/api/admin/users/trent/tokens").then().statusCode(201).extract().path("token");
        assertTrue(token.startsWith("hf_"), token);
        HubApi.as(token).contentType("application/json").body(Map.of("name", "trent/made-by-token"))
                .post("/api/repos/create").then().statusCode(200);
        int id = HubApi.asAdmin().get("/api/admin/users/trent/tokens").then().statusCode(200)
                .body("[0].name", equalTo("ci")).body("[0].token", org.hamcrest.Matchers.nullValue()).extract().path("[0].id");
        HubApi.as(token).get("/api/admin/users/trent/tokens").then().statusCode(403);
        io.restassured.RestAssured.get("/api/admin/users/trent/tokens").then().statusCode(401);
        HubApi.asAdmin().delete("/api/admin/users/trent/tokens/" + id).then().statusCode(204);
        HubApi.asAdmin().delete("/api/admin/users/trent/tokens/" + id).then().statusCode(404);
        HubApi.as(token).get("/api/models/trent/made-by-token").then().statusCode(401);
        HubApi.asAdmin().contentType("application/json").body(Map.of("name", "x")).post("/api/admin/users/nobody-here/tokens")
                .then().statusCode(404).body("error", equalTo("No user nobody-here"));
    }

    @Test
    void answersCarryTheBrowserHardeningHeaders() {
        io.restassured.RestAssured.get("/health").then().statusCode(200)
                .header("Content-Security-Policy", "frame-ancestors 'self'").header("X-Content-Type-Options", "nosniff")
                .header("X-Frame-Options", "SAMEORIGIN").header("Referrer-Policy", "strict-origin-when-cross-origin");
    }

    @Test
    void signInIsThrottledAndSaysForHowLong() {
        accounts.createUser("victor", "victor-password", "Victor", null, false);
        for (int i = 0; i < 5; i++) {
            assertTrue(accounts.signIn("victor", "guess-" + i, "192.0.2.7").isEmpty());
        }
        io.modelhub.platform.ApiException paused = org.junit.jupiter.api.Assertions.assertThrows(io.modelhub.platform.ApiException.class,
                () -> accounts.signIn("victor", "victor-password", "192.0.2.8"));
        assertEquals(429, paused.status());
        assertTrue(paused.getMessage().matches("Too many failed sign-ins; try again in \\d+ s"), paused.getMessage());
        assertTrue(accounts.signIn("admin", "wrong", "192.0.2.99").isEmpty(), "other accounts from other addresses go on");
    }
}
