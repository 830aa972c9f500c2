package io.modelhub.testing;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the scripts of src/test/js (the real @huggingface/hub and @huggingface/inference clients) with node against a
 * running hub.
 */
public final class JsClient {
    static final Path DIR = Path.of("src", "test", "js");

    private JsClient() {
    }

    /** hub-client.mjs: the @huggingface/hub client's repo, upload and download calls. */
    public static String run(URL hub, String token, String repoPrefix) throws IOException, InterruptedException {
        return script("hub-client.mjs", hub, token, Map.of("REPO_PREFIX", repoPrefix));
    }

    /**
     * Runs {@code script} with HUB_URL and HUB_TOKEN ({@code token} may be null: anonymous) and {@code env}; it must
     * exit 0 and print CHECKS PASSED. Returns what it printed.
     */
    public static String script(String script, URL hub, String token, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        assertTrue(Files.isDirectory(DIR.resolve("node_modules/@huggingface/hub")),
                "the build installs the clients with npm ci (exec-maven-plugin in backend/pom.xml); run it first");
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true);
        pb.environment().put("HUB_URL", hub.toString().replaceAll("/+$", ""));
        if (token != null) {
            pb.environment().put("HUB_TOKEN", token);
        }
        pb.environment().putAll(env);
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
        assertEquals(0, p.exitValue(), "node " + script + " failed:\n" + out);
        assertTrue(out.contains("CHECKS PASSED"), out);
        return out;
    }
}
