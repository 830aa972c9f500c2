package io.modelhub.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A real runner agent process (gpu-runners-runner.jar), started against the hub under test. */
public final class RunnerProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private RunnerProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** A runner with a credential the admin issues for it now. */
    public static RunnerProcess start(String hubUrl, String name, Path work) throws IOException {
        return start(hubUrl, name, work, HubApi.issueRunnerCredential(name));
    }

    public static RunnerProcess start(String hubUrl, String name, Path work, String credential) throws IOException {
        return start(hubUrl, name, work, credential, java.util.Map.of());
    }

    /** With extra environment variables for the agent, e.g. MODELHUB_RUNNER_PARENT_PID. */
    public static RunnerProcess start(String hubUrl, String name, Path work, String credential, java.util.Map<String, String> env)
            throws IOException {
        Path jar = Path.of(System.getProperty("test.runner.jar", "../gpu-runners/target/gpu-runners-runner.jar"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build the gpu-runners module first (./mvnw package)");
        }
        Files.createDirectories(work);
        Path log = work.resolve("runner.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.pytorch.num_threads=1", "-Dai.djl.pytorch.num_interop_threads=1", "-jar", jar.toString());
        pb.environment().put("MODELHUB_URL", hubUrl);
        pb.environment().put("MODELHUB_RUNNER_CREDENTIAL", credential);
        pb.environment().put("MODELHUB_RUNNER_NAME", name);
        pb.environment().put("MODELHUB_RUNNER_WORK", work.toString());
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        return new RunnerProcess(pb.start(), log);
    }

    /** The runner id the hub gave it, once it has registered. */
    public long awaitRegistration() throws Exception {
        Pattern registered = Pattern.compile("Registered as runner (\\d+)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Runner exited: " + output());
            }
            Matcher m = registered.matcher(output());
            if (m.find()) {
                return Long.parseLong(m.group(1));
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("Runner did not register in 60 s: " + output());
    }

    public String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** The exit status once the process ended within {@code seconds}, else null. */
    public Integer awaitExit(int seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : null;
    }

    /**
     * SIGSTOP: the process stays, its connections stay open, and it answers nothing: a runner that hangs while
     * holding what the hub gave it (a request taken in a poll it can no longer read).
     */
    public void freeze() throws IOException, InterruptedException {
        Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(process.pid())).inheritIO().start();
        if (stop.waitFor() != 0) {
            throw new IllegalStateException("kill -STOP " + process.pid() + " failed");
        }
    }

    /** SIGKILL: no shutdown hook, no goodbye; the hub finds out when its lease runs out. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
