package io.modelhub.xet;

import io.modelhub.testing.HubServicesResource;
import io.modelhub.testing.JsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real @huggingface/hub npm client (2.17, with its WASM chunker) uploading through Xet: the LFS batch answer
 * offers xet, the client sends xorbs and a shard to the hub's CAS, commits, and downloads the file back
 * byte-identical (src/test/js/xet-client.mjs). Then the same file with 1 MiB changed in the middle: what reaches
 * the hub's /v1/xorbs is measured here, at the hub, and must be a small fraction of the file.
 */
@QuarkusTest
class XetJsClientTest {
    static final int SIZE = 16 * 1024 * 1024;
    static final int CHANGED = 1024 * 1024;

    @TestHTTPResource("/")
    URL base;
    @Inject
    XetService xet;

    @Test
    void npmClientUploadsThroughXetAndSendsOnlyTheChangedChunksAgain() throws Exception {
        Map<String, String> env = Map.of("REPO_PREFIX", "xet-js-" + System.nanoTime(), "SIZE", Integer.toString(SIZE));

        long before = xet.xorbBytesReceived();
        JsClient.script("xet-client.mjs", base, HubServicesResource.ADMIN_TOKEN, with(env, "first"));
        long first = xet.xorbBytesReceived() - before;
        // random bytes do not compress: the whole file arrives, plus 8 header bytes per ~64 KiB chunk
        assertTrue(first >= SIZE && first < SIZE + SIZE / 100, "first upload sent " + first + " bytes to /v1/xorbs");

        before = xet.xorbBytesReceived();
        JsClient.script("xet-client.mjs", base, HubServicesResource.ADMIN_TOKEN, with(env, "second"));
        long second = xet.xorbBytesReceived() - before;
        // the changed MiB must arrive, plus at most the chunks that straddle its two edges (128 KiB each at most)
        assertTrue(second >= CHANGED && second <= CHANGED + 4 * 128 * 1024,
                "the re-upload with 1 MiB changed sent " + second + " bytes to /v1/xorbs");
        System.out.printf("XET figures: %d-byte file: first upload %d bytes to /v1/xorbs, re-upload with 1 MiB changed %d bytes (%.1f%%)%n",
                SIZE, first, second, 100.0 * second / SIZE);
    }

    private static Map<String, String> with(Map<String, String> env, String phase) {
        Map<String, String> m = new java.util.HashMap<>(env);
        m.put("PHASE", phase);
        return m;
    }
}
