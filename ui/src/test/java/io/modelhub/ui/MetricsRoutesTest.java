package io.modelhub.ui;

import io.modelhub.testing.HubServicesResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18 part 1: the UI's pages are servlet paths without a REST template; the match patterns fold them, so a
 * repository or job page is one series per route, not one per repository or job.
 */
@QuarkusTest
class MetricsRoutesTest {
    @Test
    void pagesAreCountedByRouteNotByRepositoryOrJob() {
        RestAssured.given().redirects().follow(false).get("/metricsfold-owner/metricsfold-repo");
        RestAssured.given().redirects().follow(false).get("/jobs/987654");
        RestAssured.given().redirects().follow(false).get("/settings/tokens");
        String text = RestAssured.given().header("Authorization", "Bearer " + HubServicesResource.METRICS_TOKEN)
                .get("/q/metrics").then().statusCode(200).extract().asString();
        List<String> http = text.lines().filter(l -> l.startsWith("http_server_requests_seconds_count")).toList();
        assertTrue(http.stream().noneMatch(l -> l.contains("metricsfold") || l.contains("987654")), "no series per page: " + http);
        assertTrue(http.stream().anyMatch(l -> l.contains("uri=\"/{namespace}/{name}\"")), "the repository page's route: " + http);
        assertTrue(http.stream().anyMatch(l -> l.contains("uri=\"/jobs/{id}\"")), "the job page's route: " + http);
    }
}
