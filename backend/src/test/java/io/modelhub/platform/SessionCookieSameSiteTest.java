package io.modelhub.platform;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 16 part 5: the session cookie is SameSite=Lax. The servlet container is not in this module, so a test
 * endpoint sets the cookie the way it does (a raw Set-Cookie header); ModelHubMainIT sees the real one.
 */
@QuarkusTest
class SessionCookieSameSiteTest {
    @Path("/test-only/session-cookie")
    public static class CookieSetter {
        @GET
        @Operation(hidden = true)
        public Response set() {
            return Response.ok("ok")
                    .header("Set-Cookie", "JSESSIONID=abc123; path=/; HttpOnly")
                    .header("Set-Cookie", "other=1; path=/")
                    .header("Set-Cookie", "JSESSIONID=def; SameSite=Strict").build();
        }
    }

    @Test
    void theSessionCookieGetsSameSiteLaxAndOthersStayAsTheyAre() {
        List<String> cookies = RestAssured.get("/test-only/session-cookie").then().statusCode(200)
                .extract().headers().getValues("Set-Cookie");
        assertEquals(List.of("JSESSIONID=abc123; path=/; HttpOnly; SameSite=Lax", "other=1; path=/", "JSESSIONID=def; SameSite=Strict"),
                cookies);
    }
}
