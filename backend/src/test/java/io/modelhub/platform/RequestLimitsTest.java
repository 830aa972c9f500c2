package io.modelhub.platform;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.AccountService;
import io.modelhub.testing.HubApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 part 3: limits before work. Access to the repository is checked before a body is read, and every body
 * is capped by what its endpoint takes. Each request here streams its body from a thread, and the test notes how
 * much had been written when the answer arrived: the hub answered without reading the body.
 */
@QuarkusTest
class RequestLimitsTest {
    static final long HALF_GB = 500L * 1024 * 1024;
    static final long MIB = 1024 * 1024;

    @Inject
    AccountService accounts;

    /** What came back for a request streaming {@code bodyBytes} of zeros, and how many had been sent by then. */
    record Answer(int status, String head, long sentWhenAnswered, long millis) {
    }

    static Answer stream(String method, String path, String token, String contentType, long bodyBytes, boolean chunked)
            throws Exception {
        return stream(method, path, token, contentType, bodyBytes, chunked, (byte) 0);
    }

    /** {@code fill}: the byte the body repeats (spaces are valid JSON white space: a parser reads on). */
    static Answer stream(String method, String path, String token, String contentType, long bodyBytes, boolean chunked,
                         byte fill) throws Exception {
        long start = System.nanoTime();
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n")
                    .append("Content-Type: ").append(contentType).append("\r\n");
            if (token != null) {
                head.append("Authorization: Bearer ").append(token).append("\r\n");
            }
            head.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + bodyBytes + "\r\n");
            head.append("Connection: close\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            AtomicLong sent = new AtomicLong();
            Thread writer = new Thread(() -> {
                byte[] zeros = new byte[64 * 1024];
                java.util.Arrays.fill(zeros, fill);
                try {
                    while (sent.get() < bodyBytes) {
                        int n = (int) Math.min(zeros.length, bodyBytes - sent.get());
                        if (chunked) {
                            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        }
                        out.write(zeros, 0, n);
                        if (chunked) {
                            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                        sent.addAndGet(n);
                    }
                    if (chunked) {
                        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.flush();
                } catch (IOException closed) {
                    // the hub closed the connection after answering: the rest is never sent
                }
            });
            writer.setDaemon(true);
            writer.start();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            String status = in.readLine();
            long sentThen = sent.get();
            long millis = (System.nanoTime() - start) / 1_000_000;
            StringBuilder rest = new StringBuilder(status).append('\n');
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                rest.append(line).append('\n');
            }
            return new Answer(Integer.parseInt(status.split(" ")[1]), rest.toString(), sentThen, millis);
        }
    }

    @Test
    void anAnonymousHalfGigabyteToAMissingRepoIsRefusedBeforeItsBodyIsRead() throws Exception {
        for (boolean chunked : new boolean[]{false, true}) {
            Answer a = stream("POST", "/api/models/nobody-here/nothing/paths-info/main", null, "application/json", HALF_GB, chunked);
            assertEquals(404, a.status(), a.head());
            assertTrue(a.head().contains("RepoNotFound"), a.head());
            assertTrue(a.sentWhenAnswered() < 64 * MIB, "answered after " + a.sentWhenAnswered() + " bytes (chunked: " + chunked + ")");
            assertTrue(a.millis() < 10_000, "answered after " + a.millis() + " ms");
        }
    }

    @Test
    void writesToARepoOfSomeoneElseAreRefusedBeforeTheirBodyIsRead() throws Exception {
        HubApi.model("limits-public").file("a.txt", "public").create();
        Account eve = accounts.createUser("limits-eve", "eve-password", "Eve", null, false);
        String token = accounts.createToken(eve.id, "cli", "write");
        Answer anonymous = stream("POST", "/api/models/admin/limits-public/commit/main", null, "application/x-ndjson", HALF_GB, true);
        assertEquals(401, anonymous.status(), anonymous.head());
        assertTrue(anonymous.sentWhenAnswered() < 64 * MIB, "answered after " + anonymous.sentWhenAnswered() + " bytes");
        Answer other = stream("POST", "/admin/limits-public.git/info/lfs/objects/batch", token, "application/vnd.git-lfs+json", HALF_GB, false);
        assertEquals(403, other.status(), other.head());
        assertTrue(other.sentWhenAnswered() < 64 * MIB, "answered after " + other.sentWhenAnswered() + " bytes");
    }

    @Test
    void anonymousBodiesToCallsWithoutARepositoryAreRefusedBeforeTheyAreRead() throws Exception {
        // a body of JSON white space would keep a parser reading to the 16 MiB cap: refused before it starts (what the
        // client has sent by then is what the loopback's socket buffers took, a few MiB at most)
        for (String path : new String[]{"/api/repos/create", "/api/jobs", "/api/benchmarks"}) {
            for (boolean chunked : new boolean[]{false, true}) {
                Answer a = stream("POST", path, null, "application/json", 64 * MIB, chunked, (byte) ' ');
                assertEquals(401, a.status(), path + " " + a.head());
                assertTrue(a.sentWhenAnswered() < 16 * MIB, path + " answered after " + a.sentWhenAnswered() + " bytes (chunked: " + chunked + ")");
            }
        }
        // where anonymous callers are answered, their bodies are capped small
        Answer yaml = stream("POST", "/api/validate-yaml", null, "application/json", 2 * MIB, false);
        assertEquals(413, yaml.status(), yaml.head());
        assertTrue(yaml.head().contains("anonymous"), yaml.head());
        HubApi.as(null).contentType("application/json").body("{\"content\":\"---\\nlicense: mit\\n---\\n\"}")
                .post("/api/validate-yaml").then().statusCode(200);
    }

    @Test
    void jsonBodiesAreCappedPerEndpoint() throws Exception {
        Answer declared = stream("POST", "/api/validate-yaml", null, "application/json", HALF_GB, false);
        assertEquals(413, declared.status(), declared.head());
        assertTrue(declared.head().contains("MODELHUB_UPLOAD_MAX_JSON_BYTES"), declared.head());
        assertTrue(declared.sentWhenAnswered() < 64 * MIB, "answered after " + declared.sentWhenAnswered() + " bytes");

        // JSON white space without end, chunked: the parser reads on until the cap stops it. The 413 comes while the
        // client is still sending (a signed-in caller's 16 MiB cap, of 500 MB), and the connection is closed
        Answer chunked = stream("POST", "/api/validate-yaml", io.modelhub.testing.HubServicesResource.ADMIN_TOKEN,
                "application/json", HALF_GB, true, (byte) ' ');
        assertEquals(413, chunked.status(), chunked.head());
        assertTrue(chunked.head().contains("MODELHUB_UPLOAD_MAX_JSON_BYTES"), chunked.head());
        assertTrue(chunked.head().toLowerCase().contains("connection: close"), chunked.head());
        assertTrue(chunked.sentWhenAnswered() < 64 * MIB, "answered after " + chunked.sentWhenAnswered() + " bytes");

        // the owner's own commit is capped too, at the commit limit, and small bodies pass as before
        HubApi.model("limits-own").create();
        Answer commit = stream("POST", "/api/models/admin/limits-own/commit/main", io.modelhub.testing.HubServicesResource.ADMIN_TOKEN,
                "application/x-ndjson", 2L * 1024 * 1024 * 1024, false);
        assertEquals(413, commit.status(), commit.head());
        assertTrue(commit.head().contains("MODELHUB_UPLOAD_MAX_COMMIT_BYTES"), commit.head());
        HubApi.asAdmin().contentType("application/json").body("{\"content\":\"---\\nlicense: mit\\n---\\n\"}")
                .post("/api/validate-yaml").then().statusCode(200);
    }
}
