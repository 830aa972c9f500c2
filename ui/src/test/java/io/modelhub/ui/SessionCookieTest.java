package io.modelhub.ui;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 16 part 5: the servlet container's session cookie is HttpOnly and SameSite=Lax. */
@QuarkusTest
class SessionCookieTest {
    @Test
    void theSessionCookieIsHttpOnlyAndSameSiteLax() {
        List<String> cookies = RestAssured.given().redirects().follow(false).get("/").then()
                .extract().headers().getValues("Set-Cookie");
        String session = cookies.stream().filter(c -> c.startsWith("JSESSIONID=")).findFirst()
                .orElseThrow(() -> new AssertionError("no session cookie: " + cookies));
        assertTrue(session.contains("HttpOnly") && session.contains("SameSite=Lax"), session);
    }
}
