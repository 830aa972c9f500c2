package io.modelhub.hf;

import io.modelhub.testing.HubApi;
import io.modelhub.testing.LfsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The LFS batch API and the hub-signed upload URLs (the default, for stores clients cannot reach). */
@QuarkusTest
class HfLfsResourceTest {
    static final int MIB = 1024 * 1024;
    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void ensureRepo(String name) {
        HubApi.asAdmin().contentType("application/json").body(Map.of("name", name)).post("/api/repos/create")
                .then().statusCode(anyOf(equalTo(200), equalTo(409)));
    }

    @Test
    void smallObjectGoesBasicThroughTheHubThenIsDeduplicated() {
        ensureRepo("lfs-basic");
        byte[] bytes = random(1000, 1);
        String oid = LfsClient.sha256(bytes);
        JsonPath batch = LfsClient.forRepo("admin/lfs-basic").batch(oid, bytes.length).then().statusCode(200)
                .contentType(startsWith("application/vnd.git-lfs+json"))
                .body("transfer", equalTo("basic"))
                .body("objects[0].oid", equalTo(oid))
                .body("objects[0].size", equalTo(1000))
                .body("objects[0].actions.upload.header", nullValue())
                .body("objects[0].actions.verify", nullValue())
                .extract().jsonPath();
        String href = batch.getString("objects[0].actions.upload.href");
        assertTrue(href.startsWith(HubApi.baseUrl() + "/api/lfs/uploads/"), href);
        assertEquals(200, LfsClient.send(batch.getMap("objects[0]"), bytes, bytes));

        LfsClient.forRepo("admin/lfs-basic").batch(oid, bytes.length).then().statusCode(200)
                .body("objects[0].oid", equalTo(oid))
                .body("objects[0].size", equalTo(1000))
                .body("objects[0].actions", nullValue());
        String commit = HubApi.commitTo("model", "admin/lfs-basic").lfsPointer("blob.bin", oid, bytes.length).post()
                .then().statusCode(200).extract().path("commitOid");
        assertArrayEquals(bytes, RestAssured.get("/admin/lfs-basic/resolve/" + commit + "/blob.bin").asByteArray());
    }

    @Test
    void largeObjectGoesMultipartWithOneUrlPerChunk() {
        ensureRepo("lfs-multipart");
        byte[] bytes = random(12 * MIB + 123, 2);
        String oid = LfsClient.sha256(bytes);
        JsonPath batch = LfsClient.forRepo("admin/lfs-multipart").batch(oid, bytes.length).then().statusCode(200)
                .body("transfer", equalTo("multipart"))
                .body("objects[0].actions.upload.header.chunk_size", equalTo(String.valueOf(5 * MIB)))
                .body("objects[0].actions.upload.header.1", startsWith(HubApi.baseUrl() + "/api/lfs/uploads/"))
                .body("objects[0].actions.upload.header.3", not(nullValue()))
                .body("objects[0].actions.upload.header.4", nullValue())
                .extract().jsonPath();
        assertEquals(200, LfsClient.send(batch.getMap("objects[0]"), bytes, bytes));
        String commit = HubApi.commitTo("model", "admin/lfs-multipart").lfsPointer("big.bin", oid, bytes.length).post()
                .then().statusCode(200).extract().path("commitOid");
        RestAssured.head("/admin/lfs-multipart/resolve/" + commit + "/big.bin").then().statusCode(200)
                .header("X-Linked-Etag", "\"" + oid + "\"").header("X-Linked-Size", String.valueOf(bytes.length));
        assertArrayEquals(bytes, RestAssured.get("/admin/lfs-multipart/resolve/main/big.bin").asByteArray());
    }

    @Test
    void contentThatIsNotWhatWasAnnouncedIsRefusedAndCannotBeCommitted() {
        ensureRepo("lfs-liar");
        byte[] announced = random(2000, 3);
        byte[] sent = random(2000, 4);
        String oid = LfsClient.sha256(announced);
        JsonPath batch = LfsClient.forRepo("admin/lfs-liar").batch(oid, announced.length).then().statusCode(200).extract().jsonPath();
        assertEquals(400, LfsClient.send(batch.getMap("objects[0]"), announced, sent));
        HubApi.commitTo("model", "admin/lfs-liar").lfsPointer("liar.bin", oid, announced.length).post().then().statusCode(400)
                .body("error", startsWith("Operation 2: LFS object " + oid + " has not been uploaded"));

        byte[] big = random(11 * MIB, 5);
        byte[] tampered = big.clone();
        tampered[7 * MIB] ^= 1;
        String bigOid = LfsClient.sha256(big);
        JsonPath multipart = LfsClient.forRepo("admin/lfs-liar").batch(bigOid, big.length).then().statusCode(200).extract().jsonPath();
        assertEquals(400, LfsClient.send(multipart.getMap("objects[0]"), big, tampered));
        LfsClient.forRepo("admin/lfs-liar").batch(bigOid, big.length).then().statusCode(200)
                .body("objects[0].actions.upload", not(nullValue()));

        byte[] shortBody = java.util.Arrays.copyOf(announced, 1500);
        JsonPath again = LfsClient.forRepo("admin/lfs-liar").batch(oid, announced.length).then().statusCode(200).extract().jsonPath();
        assertEquals(400, LfsClient.send(again.getMap("objects[0]"), announced, shortBody));
    }

    @Test
    void uploadUrlsCannotBeBent() {
        ensureRepo("lfs-bent");
        byte[] bytes = random(500, 6);
        String oid = LfsClient.sha256(bytes);
        String href = LfsClient.forRepo("admin/lfs-bent").batch(oid, bytes.length).then().statusCode(200)
                .extract().path("objects[0].actions.upload.href");
        assertEquals(403, LfsClient.put(href.replace("size=500", "size=499"), java.util.Arrays.copyOf(bytes, 499)).statusCode());
        assertEquals(403, LfsClient.put(href.replaceAll("signature=[0-9a-f]{4}", "signature=0000"), bytes).statusCode());
        assertEquals(403, LfsClient.put(href.replaceAll("&signature=[0-9a-f]+", ""), bytes).statusCode());
        var r = LfsClient.put(href.replaceAll("expires=[0-9]+", "expires=1"), bytes);
        assertEquals(403, r.statusCode());
        assertTrue(r.headers().firstValue("X-Error-Code").isPresent());
    }

    @Test
    void batchNeedsWriteAccessAndValidObjects() {
        ensureRepo("lfs-auth");
        String oid = "a".repeat(64);
        LfsClient.forRepo("admin/lfs-auth").token(null).batch(oid, 10).then().statusCode(401).body("error", not(nullValue()));
        LfsClient.forRepo("admin/no-such-repo").batch(oid, 10).then().statusCode(404).header("X-Error-Code", "RepoNotFound");
        LfsClient.forRepo("admin/lfs-auth").batch("not-a-sha", 10).then().statusCode(200)
                .body("objects[0].oid", equalTo("not-a-sha"))
                .body("objects[0].error.code", equalTo(422));
        LfsClient.forRepo("admin/lfs-auth").batch(oid, 65L * MIB).then().statusCode(200)
                .body("objects[0].size", equalTo(65 * MIB))
                .body("objects[0].error.code", equalTo(422));
    }

    @Test
    void offersXetToClientsThatListItAndBasicToPlainGitLfs() {
        ensureRepo("lfs-transfers");
        byte[] bytes = random(6 * MIB, 7);
        String oid = LfsClient.sha256(bytes);
        // a Xet client: transfer xet, and per object the token-refresh URL with a CAS token in the headers
        JsonPath batch = LfsClient.forRepo("admin/lfs-transfers").transfers("basic", "multipart", "xet")
                .batch(oid, bytes.length).then().statusCode(200)
                .body("transfer", equalTo("xet")).extract().jsonPath();
        assertTrue(batch.getString("objects[0].actions.upload.href").endsWith("/api/models/admin/lfs-transfers/xet-write-token/main"),
                batch.prettify());
        assertTrue(batch.getString("objects[0].actions.upload.header.X-Xet-Access-Token").startsWith("xet_"), batch.prettify());
        assertTrue(batch.getString("objects[0].actions.upload.header.X-Xet-Cas-Url").startsWith("http"), batch.prettify());
        assertTrue(batch.getLong("objects[0].actions.upload.header.X-Xet-Token-Expiration") > System.currentTimeMillis() / 1000);
        // a client without xet (plain git-lfs, HF_HUB_DISABLE_XET=1) gets the LFS upload URLs as before
        LfsClient.forRepo("admin/lfs-transfers").transfers("basic", "multipart").batch(oid, bytes.length).then().statusCode(200)
                .body("transfer", equalTo("multipart"))
                .body("objects[0].actions.upload.header.X-Xet-Cas-Url", nullValue());
        LfsClient.forRepo("admin/lfs-transfers").transfers("basic").batch(oid, bytes.length).then().statusCode(200)
                .body("transfer", equalTo("basic"))
                .body("objects[0].actions.upload.header", nullValue());
        String uploaded = LfsClient.forRepo("admin/lfs-transfers").transfers("basic").upload(bytes);
        assertEquals(oid, uploaded);
    }
}
