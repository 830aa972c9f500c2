package io.modelhub.xet;

import io.modelhub.storage.xet.XetHash;
import io.modelhub.storage.xet.XetHashes;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.LfsClient;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.quarkus.test.junit.QuarkusTest;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CAS endpoints at the HTTP level, in the order huggingface_hub 1.x drives them through hf_xet for
 * {@code upload_file} ({@code _commit_api._upload_xet_files}): the xet-write-token call (whose X-Xet-* headers the
 * Python client reads), xorb uploads, the shard, the commit naming the file by sha256, then HEAD + GET resolve.
 * Xorbs and shards are built here from the spec (xet-core spec/xorb.md, shard.md), independently of the hub's
 * own parsers; the refusals cover what a CAS must not accept.
 */
@QuarkusTest
class XetCasTest {
    static final int CHUNK = 64 * 1024;

    private static String repo(String name) {
        HubApi.asAdmin().contentType("application/json").body(Map.of("name", name)).post("/api/repos/create")
                .then().statusCode(anyOf(equalTo(200), equalTo(409)));
        return "admin/" + name;
    }

    private static String writeToken(String repo) {
        Response r = HubApi.asAdmin().get("/api/models/" + repo + "/xet-write-token/main");
        r.then().statusCode(200)
                .header("X-Xet-Cas-Url", HubApi.baseUrl())
                .header("X-Xet-Access-Token", r.jsonPath().getString("accessToken"))
                .header("X-Xet-Token-Expiration", String.valueOf(r.jsonPath().getLong("exp")))
                .body("casUrl", equalTo(HubApi.baseUrl()));
        return r.jsonPath().getString("accessToken");
    }

    /** A file cut into fixed-size chunks (the CAS cannot and does not check where a client cut). */
    record Chunked(byte[] data, List<XetHashes.Node> chunks, byte[] xorb, XetHash xorbHash, XetHash fileHash) {
        static Chunked of(byte[] data, int lz4Every) throws IOException {
            List<XetHashes.Node> chunks = new ArrayList<>();
            ByteArrayOutputStream xorb = new ByteArrayOutputStream();
            for (int at = 0, i = 0; at < data.length; at += CHUNK, i++) {
                int len = Math.min(CHUNK, data.length - at);
                chunks.add(new XetHashes.Node(XetHashes.chunkHash(data, at, len), len));
                byte[] raw = Arrays.copyOfRange(data, at, at + len);
                byte[] stored = raw;
                int scheme = 0;
                if (lz4Every > 0 && i % lz4Every == 0) {
                    ByteArrayOutputStream c = new ByteArrayOutputStream();
                    try (LZ4FrameOutputStream lz = new LZ4FrameOutputStream(c)) {
                        lz.write(raw);
                    }
                    stored = c.toByteArray();
                    scheme = 1;
                }
                xorb.write(new byte[]{0, (byte) stored.length, (byte) (stored.length >> 8), (byte) (stored.length >> 16),
                        (byte) scheme, (byte) len, (byte) (len >> 8), (byte) (len >> 16)});
                xorb.write(stored);
            }
            return new Chunked(data, chunks, xorb.toByteArray(), XetHashes.xorbHash(chunks), XetHashes.fileHash(chunks));
        }
    }

    /** A shard registering one file made of one term (all chunks of one xorb), with verification and sha256 entries. */
    static byte[] shard(XetHash file, XetHash xorb, List<XetHashes.Node> chunks, XetHash verification, String sha256) {
        int n = chunks.size();
        long unpacked = chunks.stream().mapToLong(XetHashes.Node::length).sum();
        int fileSection = 48 + 48 + 48 + 48 + 48;               // header, term, verification, sha256, bookend
        int xorbSection = 48 * (1 + n) + 48;
        ByteBuffer b = ByteBuffer.allocate(48 + fileSection + xorbSection + 200).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{'H', 'F', 'R', 'e', 'p', 'o', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a', 0, 85, 105, 103, 69, 106, 123,
                (byte) 129, 87, (byte) 131, (byte) 165, (byte) 189, (byte) 217, 92, (byte) 205, (byte) 209, 74, (byte) 169});
        b.putLong(2).putLong(200);
        b.put(file.raw()).putInt(0xC0000000).putInt(1).putLong(0);
        b.put(xorb.raw()).putInt(0).putInt((int) unpacked).putInt(0).putInt(n);
        b.put(verification.raw()).put(new byte[16]);
        b.put(XetHash.parse(sha256).raw()).put(new byte[16]);
        bookend(b);
        int xorbAt = b.position();
        b.put(xorb.raw()).putInt(0).putInt(n).putInt((int) unpacked).putInt(0);
        long start = 0;
        for (XetHashes.Node c : chunks) {
            b.put(c.hash().raw()).putInt((int) start).putInt((int) c.length()).putLong(0);
            start += c.length();
        }
        bookend(b);
        int footer = b.position();
        b.putLong(1).putLong(48).putLong(xorbAt).put(new byte[48]).put(new byte[32])
                .putLong(System.currentTimeMillis() / 1000).putLong(0).put(new byte[48])
                .putLong(0).putLong(unpacked).putLong(unpacked).putLong(footer);
        return b.array();
    }

    private static void bookend(ByteBuffer b) {
        for (int i = 0; i < 32; i++) {
            b.put((byte) 0xff);
        }
        b.put(new byte[16]);
    }

    private static XetHash verification(List<XetHashes.Node> chunks) {
        return XetHashes.verificationHash(chunks.stream().map(XetHashes.Node::hash).toList());
    }

    private static Response post(String path, String token, byte[] body) {
        return RestAssured.given().header("Authorization", "Bearer " + token).contentType("application/octet-stream")
                .body(body).post(path);
    }

    @Test
    void pythonClientSequenceUploadsCommitsAndDownloads() throws IOException {
        String repo = repo("xet-cas-python");
        byte[] data = new byte[5 * CHUNK + 1234];
        new Random(20).nextBytes(data);
        Arrays.fill(data, 0, CHUNK, (byte) 7); // one compressible chunk, stored LZ4
        Chunked f = Chunked.of(data, 3);
        String token = writeToken(repo);

        post("/v1/xorbs/default/" + f.xorbHash(), token, f.xorb()).then().statusCode(200).body("was_inserted", equalTo(true));
        post("/v1/xorbs/default/" + f.xorbHash(), token, f.xorb()).then().statusCode(200).body("was_inserted", equalTo(false));
        String sha256 = LfsClient.sha256(data);
        post("/v1/shards", token, shard(f.fileHash(), f.xorbHash(), f.chunks(), verification(f.chunks()), sha256))
                .then().statusCode(200).body("result", equalTo(1));

        String commit = HubApi.commitTo("model", repo).lfsPointer("weights.bin", sha256, data.length).post()
                .then().statusCode(200).extract().path("commitOid");
        RestAssured.head("/" + repo + "/resolve/" + commit + "/weights.bin").then().statusCode(200)
                .header("X-Linked-Etag", "\"" + sha256 + "\"").header("X-Linked-Size", String.valueOf(data.length));
        assertArrayEquals(data, RestAssured.get("/" + repo + "/resolve/" + commit + "/weights.bin").asByteArray());
        // the admins' figures count the xorb and the file, and the repository's bytes
        Response storage = HubApi.asAdmin().get("/api/admin/xet/storage");
        storage.then().statusCode(200);
        assertTrue(storage.jsonPath().getLong("xorbs") >= 1 && storage.jsonPath().getLong("fileBytes") >= data.length
                && storage.jsonPath().getLong("storedBytes") > 0, storage.asString());
        assertEquals(data.length, storage.jsonPath().getLong("repos.find { it.id == '" + repo + "' }.bytes"), storage.asString());
        // the same shard again: the file is known, the uploader re-proves it (verification hashes) and may commit it
        post("/v1/shards", token, shard(f.fileHash(), f.xorbHash(), f.chunks(), verification(f.chunks()), sha256))
                .then().statusCode(200).body("result", equalTo(0));
    }

    @Test
    void globalDedupAnswersTheFilesXorbsWithKeyedChunkHashes() throws IOException {
        String repo = repo("xet-cas-dedup");
        byte[] data = new byte[3 * CHUNK];
        new Random(21).nextBytes(data);
        Chunked f = Chunked.of(data, 0);
        String token = writeToken(repo);
        RestAssured.given().header("Authorization", "Bearer " + token).get("/v1/chunks/default-merkledb/" + f.chunks().get(0).hash())
                .then().statusCode(404).body("error", containsString("not tracked"));
        post("/v1/xorbs/default/" + f.xorbHash(), token, f.xorb()).then().statusCode(200);
        post("/v1/shards", token, shard(f.fileHash(), f.xorbHash(), f.chunks(), verification(f.chunks()), LfsClient.sha256(data)))
                .then().statusCode(200);

        String readToken = HubApi.asAdmin().get("/api/models/" + repo + "/xet-read-token/main").jsonPath().getString("accessToken");
        byte[] answer = RestAssured.given().header("Authorization", "Bearer " + readToken)
                .get("/v1/chunks/default-merkledb/" + f.chunks().get(0).hash()).then().statusCode(200).extract().asByteArray();
        ByteBuffer b = ByteBuffer.wrap(answer).order(ByteOrder.LITTLE_ENDIAN);
        int footer = answer.length - (int) b.getLong(40);
        int xorbAt = (int) b.getLong(footer + 16);
        byte[] key = Arrays.copyOfRange(answer, footer + 72, footer + 104);
        assertEquals(f.xorbHash(), XetHash.ofRaw(answer, xorbAt));
        assertEquals(f.chunks().size(), b.getInt(xorbAt + 36));
        for (int i = 0; i < f.chunks().size(); i++) {
            int at = xorbAt + 48 * (i + 1);
            XetHash listed = XetHash.ofRaw(answer, at);
            assertEquals(XetHashes.hmac(f.chunks().get(i).hash(), key), listed, "chunk " + i + " is keyed");
            assertTrue(!listed.equals(f.chunks().get(i).hash()), "never the plain chunk hash");
            assertEquals(CHUNK, b.getInt(at + 36));
        }
        // the lookup tables start where the xorb list ends (the npm client's parser stops there)
        assertEquals(footer, (int) b.getLong(footer + 24));
    }

    @Test
    void refusesWhatACasMustNotAccept() throws IOException {
        String repo = repo("xet-cas-refusals");
        byte[] data = new byte[2 * CHUNK];
        new Random(22).nextBytes(data);
        Chunked f = Chunked.of(data, 0);
        String token = writeToken(repo);
        String sha256 = LfsClient.sha256(data);

        // tokens: none, a user's hf_ token, a forged one, a read token for an upload
        RestAssured.given().body(f.xorb()).post("/v1/xorbs/default/" + f.xorbHash()).then().statusCode(401);
        post("/v1/xorbs/default/" + f.xorbHash(), io.modelhub.testing.HubServicesResource.ADMIN_TOKEN, f.xorb())
                .then().statusCode(401).body("error", containsString("xet-write-token"));
        String forged = token.replaceFirst("^xet_\\d+\\.", "xet_987654321.");
        post("/v1/xorbs/default/" + f.xorbHash(), forged, f.xorb()).then().statusCode(401);
        String readToken = HubApi.asAdmin().get("/api/models/" + repo + "/xet-read-token/main").jsonPath().getString("accessToken");
        post("/v1/xorbs/default/" + f.xorbHash(), readToken, f.xorb()).then().statusCode(403);
        // a CAS token is nobody on the hub API
        RestAssured.given().header("Authorization", "Bearer " + token).get("/api/whoami-v2").then().statusCode(401);

        // a xorb under another hash, a body that is no xorb
        XetHash other = XetHashes.chunkHash(new byte[]{1}, 0, 1);
        post("/v1/xorbs/default/" + other, token, f.xorb()).then().statusCode(400).body("error", containsString("hash to"));
        post("/v1/xorbs/default/" + other, token, new byte[]{9, 9, 9, 9, 9, 9, 9, 9, 9}).then().statusCode(400);
        post("/v1/xorbs/default/not-a-hash", token, f.xorb()).then().statusCode(400);

        // a shard whose xorb was never uploaded
        post("/v1/shards", token, shard(f.fileHash(), f.xorbHash(), f.chunks(), verification(f.chunks()), sha256))
                .then().statusCode(400).body("error", containsString("was not uploaded"));
        post("/v1/xorbs/default/" + f.xorbHash(), token, f.xorb()).then().statusCode(200);
        // wrong verification hash (what a client holding only the keyed hashes of a dedup answer could send)
        post("/v1/shards", token, shard(f.fileHash(), f.xorbHash(), f.chunks(), other, sha256))
                .then().statusCode(400).body("error", containsString("verification"));
        // wrong file hash, wrong sha256, not a shard
        post("/v1/shards", token, shard(other, f.xorbHash(), f.chunks(), verification(f.chunks()), sha256))
                .then().statusCode(400).body("error", containsString("file hash"));
        post("/v1/shards", token, shard(f.fileHash(), f.xorbHash(), f.chunks(), verification(f.chunks()), LfsClient.sha256(new byte[3])))
                .then().statusCode(400).body("error", containsString("sha256"));
        post("/v1/shards", token, new byte[300]).then().statusCode(400);
        // nothing of that was committable
        int status = HubApi.commitTo("model", repo).lfsPointer("x.bin", sha256, data.length).post().statusCode();
        assertTrue(status >= 400 && status < 500, "a commit naming a file no shard registered is refused, got " + status);
    }

    @Test
    void reconstructionPlansAByteRangeForTheTokensRepositoryOnly() throws IOException {
        String repo = repo("xet-cas-reconstruct");
        byte[] data = new byte[4 * CHUNK + 100];
        new Random(23).nextBytes(data);
        Chunked f = Chunked.of(data, 2);
        String token = writeToken(repo);
        post("/v1/xorbs/default/" + f.xorbHash(), token, f.xorb()).then().statusCode(200);
        String sha256 = LfsClient.sha256(data);
        post("/v1/shards", token, shard(f.fileHash(), f.xorbHash(), f.chunks(), verification(f.chunks()), sha256))
                .then().statusCode(200);
        String readToken = HubApi.asAdmin().get("/api/models/" + repo + "/xet-read-token/main").jsonPath().getString("accessToken");
        // registered, but no commit of this repository names it yet
        RestAssured.given().header("Authorization", "Bearer " + readToken).get("/v2/reconstructions/" + f.fileHash())
                .then().statusCode(404);
        HubApi.commitTo("model", repo).lfsPointer("w.bin", sha256, data.length).post().then().statusCode(200);

        // bytes [CHUNK + 10, 3 * CHUNK + 5]: chunks 1..3, starting 10 bytes into chunk 1
        Response plan = RestAssured.given().header("Authorization", "Bearer " + readToken)
                .header("Range", "bytes=" + (CHUNK + 10) + "-" + (3 * CHUNK + 5)).get("/v2/reconstructions/" + f.fileHash());
        plan.then().statusCode(200).body("offset_into_first_range", equalTo(10))
                .body("terms[0].hash", equalTo(f.xorbHash().toString()))
                .body("terms[0].range.start", equalTo(1)).body("terms[0].range.end", equalTo(4))
                .body("terms[0].unpacked_length", equalTo(3 * CHUNK));
        String entry = "xorbs.'" + f.xorbHash() + "'[0]";
        String url = plan.jsonPath().getString(entry + ".url");
        int from = plan.jsonPath().getInt(entry + ".ranges[0].bytes.start");
        int to = plan.jsonPath().getInt(entry + ".ranges[0].bytes.end");
        assertEquals(Map.of("start", 1, "end", 4), plan.jsonPath().getMap(entry + ".ranges[0].chunks"));
        byte[] served = RestAssured.given().header("Range", "bytes=" + from + "-" + to).get(url).then().statusCode(206)
                .extract().asByteArray();
        assertArrayEquals(Arrays.copyOfRange(f.xorb(), from, to + 1), served);
        // the URL is its own credential: other bytes, a changed signature, no signature
        RestAssured.given().header("Range", "bytes=0-" + (to + 1)).get(url).then().statusCode(403);
        RestAssured.get(url.replaceAll("sig=[0-9a-f]{8}", "sig=00000000")).then().statusCode(403);
        RestAssured.get(url.replaceAll("&sig=.*$", "")).then().statusCode(403);
        // another repository's token does not reach the file; a range past the end is 416
        String otherToken = HubApi.asAdmin().get("/api/models/" + repo("xet-cas-other") + "/xet-read-token/main")
                .jsonPath().getString("accessToken");
        RestAssured.given().header("Authorization", "Bearer " + otherToken).get("/v2/reconstructions/" + f.fileHash())
                .then().statusCode(404);
        RestAssured.given().header("Authorization", "Bearer " + readToken).header("Range", "bytes=" + data.length + "-")
                .get("/v2/reconstructions/" + f.fileHash()).then().statusCode(416);
    }
}
