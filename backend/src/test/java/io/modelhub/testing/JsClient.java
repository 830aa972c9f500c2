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

    /** A running push-folder.mjs: the real uploadFiles, every file of a folder in one commit per try. */
    public record Push(Process process, Path output) {
        /** Waits for the pushes to end (node must exit 0) and answers what the script printed. */
        public String await(long minutes) throws IOException, InterruptedException {
            if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
                process.destroyForcibly();
            }
            String out = Files.readString(output);
            System.out.println(out);
            assertEquals(0, process.exitValue(), "node push-folder.mjs failed:\n" + out);
            return out;
        }
    }

    /**
     * Starts push-folder.mjs on {@code folder} into {@code tries} fresh datasets {@code <repoPrefix>-<try>}; {@code salt}
     * (may be null) is appended to every file, so that pushes side by side send different bytes.
     */
    public static Push startPush(URL hub, String token, Path folder, String repoPrefix, int tries, String salt)
            throws IOException {
        assertTrue(Files.isDirectory(DIR.resolve("node_modules/@huggingface/hub")),
                "the build installs the clients with npm ci (exec-maven-plugin in backend/pom.xml); run it first");
        Path output = Files.createTempFile("push-folder", ".log");
        ProcessBuilder pb = new ProcessBuilder("node", "push-folder.mjs").directory(DIR.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().put("HUB_URL", hub.toString().replaceAll("/+$", ""));
        pb.environment().put("HUB_TOKEN", token);
        pb.environment().put("FOLDER", folder.toAbsolutePath().toString());
        pb.environment().put("REPO_PREFIX", repoPrefix);
        pb.environment().put("TRIES", String.valueOf(tries));
        if (salt != null) {
            pb.environment().put("SALT", salt);
        }
        return new Push(pb.start(), output);
    }
}
