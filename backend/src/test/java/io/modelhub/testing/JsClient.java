package io.modelhub.testing;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs src/test/js/hub-client.mjs (the real @huggingface/hub client) with node against a running hub. */
public final class JsClient {
    static final Path DIR = Path.of("src", "test", "js");

    private JsClient() {
    }

    public static String run(URL hub, String token, String repoPrefix) throws IOException, InterruptedException {
        assertTrue(Files.isDirectory(DIR.resolve("node_modules/@huggingface/hub")),
                "the build installs the client with npm ci (exec-maven-plugin in backend/pom.xml); run it first");
        String hubUrl = hub.toString().replaceAll("/+$", "");
        ProcessBuilder pb = new ProcessBuilder("node", "hub-client.mjs").directory(DIR.toFile()).redirectErrorStream(true);
        pb.environment().put("HUB_URL", hubUrl);
        pb.environment().put("HUB_TOKEN", token);
        pb.environment().put("REPO_PREFIX", repoPrefix);
        Process p = pb.start();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                synchronized (output) {
                    output.append(text);
                }
            } catch (IOException ignored) {
                // the process died: its exit code tells
            }
        });
        reader.start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        reader.join(10_000);
        String out;
        synchronized (output) {
            out = output.toString();
        }
        System.out.println(out);
        assertEquals(0, p.exitValue(), "node hub-client.mjs failed:\n" + out);
        assertTrue(out.contains("CHECKS PASSED"), out);
        return out;
    }
}
