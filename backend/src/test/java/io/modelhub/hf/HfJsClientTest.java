package io.modelhub.hf;

import io.modelhub.testing.HubServicesResource;
import io.modelhub.testing.JsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;

/**
 * The real @huggingface/hub npm client (installed by the build with npm ci) against this hub, with hub-signed
 * upload URLs and downloads streamed by the hub: create, upload (multipart LFS), list, info, download, snapshot,
 * private repos and bad tokens. The checks are in src/test/js/hub-client.mjs.
 */
@QuarkusTest
class HfJsClientTest {
    @TestHTTPResource("/")
    URL base;

    @Test
    void realJsClientWorksAgainstTheHub() throws Exception {
        JsClient.run(base, HubServicesResource.ADMIN_TOKEN, "js-hub-urls");
    }
}
