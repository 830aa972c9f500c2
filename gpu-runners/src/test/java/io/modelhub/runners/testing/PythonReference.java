package io.modelhub.runners.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The third-party reference implementations the parity tests compare against: Debian's python3-torch,
 * python3-torchvision and python3-torchaudio, run as {@code /usr/bin/python3} on the scripts in
 * src/test/scripts. Where a module is missing the test is skipped with the apt command that installs it,
 * except when {@code MODELHUB_REQUIRE_REFERENCES} is set (.ci/run sets it after installing them): then it fails,
 * so CI never passes by skipping the comparisons.
 */
public final class PythonReference {

    public static final String PYTHON = System.getenv().getOrDefault("MODELHUB_PYTHON", "/usr/bin/python3");
    private static final ConcurrentHashMap<String, Boolean> AVAILABLE = new ConcurrentHashMap<>();

    private PythonReference() {
    }

    /** Skips (or, where references are required, fails) the test unless python can import every module. */
    public static void require(String... modules) {
        for (String module : modules) {
            boolean found = AVAILABLE.computeIfAbsent(module, PythonReference::importable);
            if (!found) {
                missing(PYTHON + " cannot import " + module + " (apt-get install python3-"
                        + module.replace('_', '-') + ")");
            }
        }
    }

    /**
     * A reference (module, package, data set) is absent: skips the test, or fails it where
     * MODELHUB_REQUIRE_REFERENCES is set. Never returns.
     */
    public static void missing(String message) {
        if (System.getenv("MODELHUB_REQUIRE_REFERENCES") != null) {
            fail(message + ", and MODELHUB_REQUIRE_REFERENCES is set");
        }
        Assumptions.abort(message + ": the comparison with the reference is skipped");
    }

    /**
     * The script gpu-runners/src/test/scripts/{name}, whatever the working directory (this module, a sibling module
     * whose tests use this test-jar, or the repository root).
     */
    public static Path script(String name) {
        for (Path candidate : List.of(Path.of("src/test/scripts", name), Path.of("../gpu-runners/src/test/scripts", name),
                Path.of("gpu-runners/src/test/scripts", name))) {
            if (Files.isRegularFile(candidate)) {
                return candidate.toAbsolutePath();
            }
        }
        throw new IllegalStateException("no test script " + name + " under src/test/scripts");
    }

    /**
     * Runs src/test/scripts/{script} with the arguments and returns its standard output; its output and error are
     * in the failure message when it exits non-zero.
     */
    public static String run(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PYTHON, script(script).toString()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("python-reference", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .start();
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " ran for more than 10 minutes");
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                fail(String.join(" ", command) + " exited with " + process.exitValue() + ":\n" + output);
            }
            return output;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static boolean importable(String module) {
        try {
            Process process = new ProcessBuilder(PYTHON, "-c", "import " + module).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(2, TimeUnit.MINUTES) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
