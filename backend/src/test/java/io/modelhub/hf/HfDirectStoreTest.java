package io.modelhub.hf;

import io.modelhub.testing.DirectStoreProfile;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.testing.JsClient;
import io.modelhub.testing.LfsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Random;

import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** modelhub.lfs.direct-upload and redirect-downloads: the bytes go between clients and the store directly. */
@QuarkusTest
@TestProfile(DirectStoreProfile.class)
class HfDirectStoreTest {
    @TestHTTPResource("/")
    URL base;

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void ensureRepo(String name) {
        HubApi.asAdmin().contentType("application/json").body(Map.of("name", name)).post("/api/repos/create")
                .then().statusCode(anyOf(equalTo(200), equalTo(409)));
    }

    private static String publicStore() {
        return HubServicesResource.config().get("modelhub.s3.endpoint").replace("127.0.0.1", "localhost");
    }

    @Test
    void uploadsGoToPresignedStoreUrlsAndAreCheckedOnCompletion() {
        ensureRepo("direct-up");
        byte[] bytes = random(3000, 11);
        String oid = LfsClient.sha256(bytes);
        JsonPath batch = LfsClient.forRepo("admin/direct-up").batch(oid, bytes.length).then().statusCode(200)
                .body("objects[0].actions.upload.header.chunk_size", equalTo(String.valueOf(5 * 1024 * 1024)))
                .body("objects[0].actions.upload.header.1", startsWith(publicStore() + "/"))
                .body("objects[0].actions.upload.header.1", containsString("X-Amz-Signature="))
                .body("objects[0].actions.upload.href", startsWith(HubApi.baseUrl() + "/api/lfs/uploads/"))
                .extract().jsonPath();
        assertEquals(200, LfsClient.send(batch.getMap("objects[0]"), bytes, bytes));
        LfsClient.forRepo("admin/direct-up").batch(oid, bytes.length).then().statusCode(200)
                .body("objects[0].actions", nullValue());

        byte[] other = random(4000, 12);
        String otherOid = LfsClient.sha256(other);
        JsonPath basic = LfsClient.forRepo("admin/direct-up").transfers("basic").batch(otherOid, other.length).then().statusCode(200)
                .body("transfer", equalTo("basic"))
                .body("objects[0].actions.upload.href", startsWith(publicStore() + "/"))
                .body("objects[0].actions.verify.href", startsWith(HubApi.baseUrl() + "/api/lfs/uploads/"))
                .extract().jsonPath();
        assertEquals(400, LfsClient.send(basic.getMap("objects[0]"), other, random(4000, 13)), "a wrong body fails verify");
        JsonPath retry = LfsClient.forRepo("admin/direct-up").transfers("basic").batch(otherOid, other.length).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(200, LfsClient.send(retry.getMap("objects[0]"), other, other));
        HubApi.commitTo("model", "admin/direct-up").lfsPointer("a.bin", oid, bytes.length).lfsPointer("b.bin", otherOid, other.length)
                .post().then().statusCode(200);
    }

    @Test
    void lfsDownloadsRedirectToTheStoreWithTheHfHeaders() throws Exception {
        byte[] weights = random(100_000, 14);
        String sha256 = LfsClient.sha256(weights);
        String commit = HubApi.model("direct-down").file("config.json", "{}").lfsFile("model.bin", weights).create();

        Response head = RestAssured.given().redirects().follow(false).head("/admin/direct-down/resolve/main/model.bin");
        head.then().statusCode(302)
                .header("Location", startsWith(publicStore() + "/"))
                .header("X-Linked-Etag", "\"" + sha256 + "\"")
                .header("X-Linked-Size", String.valueOf(weights.length))
                .header("X-Repo-Commit", commit);
        assertTrue(head.getHeader("Location").contains("X-Amz-Expires=900"), "a download link lives 15 minutes: " + head.getHeader("Location"));
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<byte[]> fromStore = http.send(HttpRequest.newBuilder(URI.create(head.getHeader("Location"))).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, fromStore.statusCode());
        assertArrayEquals(weights, fromStore.body());
        HttpResponse<byte[]> ranged = http.send(HttpRequest.newBuilder(URI.create(head.getHeader("Location")))
                .header("Range", "bytes=10-").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, ranged.statusCode());
        assertTrue(ranged.headers().firstValue("ETag").isPresent());

        RestAssured.given().redirects().follow(false).head("/admin/direct-down/resolve/main/config.json").then().statusCode(200)
                .header("ETag", startsWith("\""));
        RestAssured.given().redirects().follow(false).head("/admin/direct-down/resolve/main/missing.bin").then().statusCode(404)
                .header("X-Error-Code", "EntryNotFound").header("X-Repo-Commit", commit);
    }

    @Test
    void realJsClientWorksWithDirectStoreUrls() throws Exception {
        JsClient.run(base, HubServicesResource.ADMIN_TOKEN, "js-direct");
    }
}
