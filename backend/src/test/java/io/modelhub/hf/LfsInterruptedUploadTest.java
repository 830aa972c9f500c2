package io.modelhub.hf;

import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.LfsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hub-signed multipart uploads that do not go as planned (issue 17): cut off midway, parts sent in parallel or
 * again. The hub hashes the parts in order as they pass; whatever happens, nothing unchecked becomes visible.
 */
@QuarkusTest
class LfsInterruptedUploadTest {
    static final int MIB = 1024 * 1024;
    /** The test profile's part size. */
    static final int CHUNK = 5 * MIB;

    @Inject
    BlobStore store;

    private static void ensureRepo(String name) {
        HubApi.asAdmin().contentType("application/json").body(Map.of("name", name)).post("/api/repos/create")
                .then().statusCode(anyOf(equalTo(200), equalTo(409)));
    }

    /** The part URLs of a multipart batch answer, by part number, and the completion URL last. */
    private static List<String> urls(String repo, byte[] bytes) {
        var batch = LfsClient.forRepo(repo).batch(LfsClient.sha256(bytes), bytes.length).then().statusCode(200)
                .body("objects[0].actions.upload.header.chunk_size", equalTo(String.valueOf(CHUNK)))
                .extract().jsonPath();
        List<String> urls = new ArrayList<>();
        for (int n = 1; batch.get("objects[0].actions.upload.header." + n) != null; n++) {
            urls.add(batch.getString("objects[0].actions.upload.header." + n));
        }
        urls.add(batch.getString("objects[0].actions.upload.href"));
        return urls;
    }

    private static byte[] part(byte[] bytes, int n) {
        return Arrays.copyOfRange(bytes, (n - 1) * CHUNK, Math.min(n * CHUNK, bytes.length));
    }

    private static String etag(String url, byte[] body) {
        HttpResponse<String> r = LfsClient.put(url, body);
        assertEquals(200, r.statusCode(), r.body());
        return r.headers().firstValue("ETag").orElseThrow();
    }

    private static int complete(String url, String oid, List<String> etags) {
        StringBuilder parts = new StringBuilder();
        for (int i = 0; i < etags.size(); i++) {
            parts.append(i == 0 ? "" : ",").append("{\"partNumber\":").append(i + 1).append(",\"etag\":\"")
                    .append(etags.get(i).replace("\"", "\\\"")).append("\"}");
        }
        return LfsClient.post(url, "{\"oid\":\"" + oid + "\",\"parts\":[" + parts + "]}").statusCode();
    }

    /** Sends the request line, headers and the first {@code sent} bytes of a PUT, then drops the connection. */
    private static void putAndCutOff(String url, byte[] body, int sent) throws IOException {
        URI uri = URI.create(url);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("PUT " + uri.getRawPath() + "?" + uri.getRawQuery() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":"
                    + uri.getPort() + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, sent);
            out.flush();
            socket.setSoLinger(true, 0);
        }
    }

    private void assertNothingVisible(String repo, String oid, long size) {
        assertFalse(store.exists(oid), "no object at the content address");
        HubApi.commitTo("model", repo).lfsPointer("weights.bin", oid, size).post().then().statusCode(400)
                .body("error", startsWith("Operation 2: LFS object " + oid + " has not been uploaded"));
        RestAssured.head("/" + repo + "/resolve/main/weights.bin").then().statusCode(404);
    }

    @Test
    void aKilledUploadLeavesNothingVisibleAndResumesWithoutTheSentParts() throws Exception {
        String repo = "admin/lfs-killed";
        ensureRepo("lfs-killed");
        byte[] bytes = HfLfsResourceTest.random(3 * CHUNK - 1000, 71);
        String oid = LfsClient.sha256(bytes);
        List<String> urls = urls(repo, bytes);
        assertEquals(4, urls.size());

        String first = etag(urls.get(0), part(bytes, 1));
        putAndCutOff(urls.get(1), part(bytes, 2), 2 * MIB);
        assertNothingVisible(repo, oid, bytes.length);

        // the same URLs resume it: part 1 is not sent again
        List<String> etags = List.of(first, etag(urls.get(1), part(bytes, 2)), etag(urls.get(2), part(bytes, 3)));
        assertEquals(200, complete(urls.get(3), oid, etags));

        assertTrue(store.exists(oid));
        String commit = HubApi.commitTo("model", repo).lfsPointer("weights.bin", oid, bytes.length).post()
                .then().statusCode(200).extract().path("commitOid");
        assertArrayEquals(bytes, RestAssured.get("/" + repo + "/resolve/" + commit + "/weights.bin").asByteArray());
    }

    @Test
    void partsSentInParallelAndOutOfOrderAreHashedInOrder() {
        String repo = "admin/lfs-parallel";
        ensureRepo("lfs-parallel");
        byte[] bytes = HfLfsResourceTest.random(3 * CHUNK + 17, 72);
        String oid = LfsClient.sha256(bytes);
        List<String> urls = urls(repo, bytes);

        // the last part first, then all at once, as @huggingface/hub sends them (five at a time)
        List<CompletableFuture<String>> sent = new ArrayList<>();
        for (int n : new int[] {4, 3, 2, 1}) {
            sent.add(CompletableFuture.supplyAsync(() -> etag(urls.get(n - 1), part(bytes, n))));
        }
        List<String> etags = new ArrayList<>(sent.stream().map(CompletableFuture::join).toList());
        Collections.reverse(etags);
        assertEquals(200, complete(urls.get(4), oid, etags));
        String commit = HubApi.commitTo("model", repo).lfsPointer("parallel.bin", oid, bytes.length).post()
                .then().statusCode(200).extract().path("commitOid");
        assertArrayEquals(bytes, RestAssured.get("/" + repo + "/resolve/" + commit + "/parallel.bin").asByteArray());
    }

    @Test
    void anEarlierPartSentAgainWithOtherBytesIsCaught() {
        String repo = "admin/lfs-resent";
        ensureRepo("lfs-resent");
        byte[] bytes = HfLfsResourceTest.random(2 * CHUNK + 5, 73);
        String oid = LfsClient.sha256(bytes);
        List<String> urls = urls(repo, bytes);
        etag(urls.get(0), part(bytes, 1));
        String second = etag(urls.get(1), part(bytes, 2));
        String third = etag(urls.get(2), part(bytes, 3));
        // the same bytes again change nothing; other bytes replace the stored part after later ones were hashed
        etag(urls.get(0), part(bytes, 1));
        byte[] tampered = part(bytes, 1);
        tampered[123] ^= 1;
        String first = etag(urls.get(0), tampered);

        assertEquals(400, complete(urls.get(3), oid, List.of(first, second, third)));
        assertNothingVisible(repo, oid, bytes.length);
    }
}
