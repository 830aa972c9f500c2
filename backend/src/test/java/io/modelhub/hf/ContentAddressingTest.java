package io.modelhub.hf;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.AccountService;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.LfsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 16 part 2: a blob's sha256 is no key to it. Mallory, a user with a write token, knows the sha256 of a file
 * in the admin's private repository; neither the LFS batch answer nor the NDJSON commit tells her whether it exists,
 * and she can commit it only by sending its bytes.
 */
@QuarkusTest
class ContentAddressingTest {
    @Inject
    AccountService accounts;

    private String mallory;

    @BeforeEach
    void users() {
        if (mallory != null) {
            return;
        }
        Account account = accounts.createUser("ca-mallory-" + System.nanoTime() % 1_000_000, "mallory-password", "Mallory", null, false);
        mallory = accounts.createToken(account.id, "cli", "write");
        HubApi.as(mallory).contentType("application/json").body(Map.of("name", account.username + "/loot"))
                .post("/api/repos/create").then().statusCode(200);
        malloryRepo = account.username + "/loot";
    }

    private String malloryRepo;

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void theBatchAnswerIsTheSameForAPrivateObjectAndAnAbsentOne() {
        byte[] secret = random(3000, 161);
        byte[] absent = random(3000, 162);
        byte[] shared = random(3000, 163);
        HubApi.model("ca-secret-1").privateRepo().lfsFile("weights.bin", secret).create();
        HubApi.model("ca-public-1").lfsFile("weights.bin", shared).create();

        JsonPath forSecret = LfsClient.forRepo(malloryRepo).token(mallory).batch(LfsClient.sha256(secret), secret.length)
                .then().statusCode(200).body("objects[0].actions.upload.href", not(nullValue())).extract().jsonPath();
        JsonPath forAbsent = LfsClient.forRepo(malloryRepo).token(mallory).batch(LfsClient.sha256(absent), absent.length)
                .then().statusCode(200).body("objects[0].actions.upload.href", not(nullValue())).extract().jsonPath();
        assertEquals(forAbsent.getMap("objects[0]").keySet(), forSecret.getMap("objects[0]").keySet());
        assertEquals(forAbsent.getString("transfer"), forSecret.getString("transfer"));

        // an object of a repository she can read is deduplicated as before
        LfsClient.forRepo(malloryRepo).token(mallory).batch(LfsClient.sha256(shared), shared.length)
                .then().statusCode(200).body("objects[0].actions", nullValue());
        String commit = HubApi.commitTo("model", malloryRepo).token(mallory)
                .lfsPointer("shared.bin", LfsClient.sha256(shared), shared.length).post()
                .then().statusCode(200).extract().path("commitOid");
        assertArrayEquals(shared, HubApi.as(mallory).get("/" + malloryRepo + "/resolve/" + commit + "/shared.bin").asByteArray());
    }

    @Test
    void aCommitCannotLinkAnObjectItsAuthorCannotRead() {
        byte[] secret = random(4000, 164);
        byte[] absent = random(4000, 165);
        HubApi.model("ca-secret-2").privateRepo().lfsFile("weights.bin", secret).create();
        String secretOid = LfsClient.sha256(secret);
        String absentOid = LfsClient.sha256(absent);

        String refused = HubApi.commitTo("model", malloryRepo).token(mallory).lfsPointer("stolen.bin", secretOid, secret.length)
                .post().then().statusCode(400).extract().path("error");
        String missing = HubApi.commitTo("model", malloryRepo).token(mallory).lfsPointer("stolen.bin", absentOid, absent.length)
                .post().then().statusCode(400).extract().path("error");
        assertEquals(missing.replace(absentOid, "OID"), refused.replace(secretOid, "OID"), "no oracle in the error");
        // without the size either
        HubApi.commitTo("model", malloryRepo).token(mallory).line("lfsFile", "{\"path\":\"x.bin\",\"oid\":\"" + secretOid + "\"}")
                .post().then().statusCode(400).body("error", equalTo(refused.replace("stolen.bin", "x.bin")));
        HubApi.as(mallory).get("/" + malloryRepo + "/resolve/main/stolen.bin").then().statusCode(404);

        // once she has sent the bytes herself (identical to the stored ones), the commit is fine
        LfsClient.forRepo(malloryRepo).token(mallory).upload(secret);
        String commit = HubApi.commitTo("model", malloryRepo).token(mallory).lfsPointer("mine.bin", secretOid, secret.length)
                .post().then().statusCode(200).extract().path("commitOid");
        assertArrayEquals(secret, HubApi.as(mallory).get("/" + malloryRepo + "/resolve/" + commit + "/mine.bin").asByteArray());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRetriedCompletionOfOnesOwnUploadIsStillFine() {
        byte[] bytes = random(6 * 1024 * 1024 + 5, 167);
        String oid = LfsClient.sha256(bytes);
        JsonPath batch = LfsClient.forRepo(malloryRepo).token(mallory).batch(oid, bytes.length)
                .then().statusCode(200).body("transfer", equalTo("multipart")).extract().jsonPath();
        Map<String, String> header = batch.getMap("objects[0].actions.upload.header");
        int chunk = Integer.parseInt(header.get("chunk_size"));
        StringBuilder parts = new StringBuilder();
        for (int n = 1; header.containsKey(Integer.toString(n)); n++) {
            byte[] slice = java.util.Arrays.copyOfRange(bytes, (n - 1) * chunk, Math.min(n * chunk, bytes.length));
            var r = LfsClient.put(header.get(Integer.toString(n)), slice);
            assertEquals(200, r.statusCode(), r.body());
            parts.append(n == 1 ? "" : ",").append("{\"partNumber\":").append(n).append(",\"etag\":\"")
                    .append(r.headers().firstValue("ETag").orElseThrow().replace("\"", "\\\"")).append("\"}");
        }
        String completion = "{\"oid\":\"" + oid + "\",\"parts\":[" + parts + "]}";
        String href = batch.getString("objects[0].actions.upload.href");
        assertEquals(200, LfsClient.post(href, completion).statusCode());
        assertEquals(200, LfsClient.post(href, completion).statusCode(), "a retried completion answers as the first");
        HubApi.commitTo("model", malloryRepo).token(mallory).lfsPointer("retried.bin", oid, bytes.length)
                .post().then().statusCode(200);
    }

    @Test
    void aMultipartCompletionWithoutPartsProvesNothing() {
        byte[] secret = random(6 * 1024 * 1024 + 17, 166);
        HubApi.model("ca-secret-3").privateRepo().lfsFile("big.bin", secret).create();
        String oid = LfsClient.sha256(secret);
        JsonPath batch = LfsClient.forRepo(malloryRepo).token(mallory).batch(oid, secret.length)
                .then().statusCode(200).body("transfer", equalTo("multipart")).extract().jsonPath();
        String complete = batch.getString("objects[0].actions.upload.href");
        assertEquals(400, LfsClient.post(complete, "{\"oid\":\"" + oid + "\",\"parts\":[]}").statusCode());
        HubApi.commitTo("model", malloryRepo).token(mallory).lfsPointer("big.bin", oid, secret.length)
                .post().then().statusCode(400);
    }
}
