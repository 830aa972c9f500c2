package io.modelhub.runners.testing;

import io.modelhub.runners.recipes.RunContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Predicate;

/**
 * A {@link RunContext} for running recipes in tests without an agent or hub: it records metrics, log lines and
 * checkpoints in memory (checkpoint folders stay where the recipe wrote them), and cancels when told to.
 * <pre>
 *   FakeRunContext ctx = FakeRunContext.builder(tempDir).dataset(datasetRoot).param("epochs", 2)
 *       .cancelAfterSteps(3).build();
 * </pre>
 */
public final class FakeRunContext implements RunContext {

    /** One metric point as the recipe reported it. */
    public record Metric(long step, String name, double value) {
    }

    private final Path baseModelDir;
    private final Path datasetDir;
    private final Map<String, Path> modelDirs;
    private final Map<String, Object> params;
    private final Path workDir;
    private final Path outputDir;
    private final Checkpoint latestCheckpoint;
    private final Predicate<FakeRunContext> cancelWhen;
    private final List<Metric> metrics = Collections.synchronizedList(new ArrayList<>());
    private final List<String> logs = Collections.synchronizedList(new ArrayList<>());
    private final List<Checkpoint> checkpoints = Collections.synchronizedList(new ArrayList<>());

    private FakeRunContext(Builder b) {
        this.baseModelDir = b.baseModelDir;
        this.datasetDir = b.datasetDir;
        this.modelDirs = Map.copyOf(b.modelDirs);
        this.params = Collections.unmodifiableMap(new LinkedHashMap<>(b.params));
        this.workDir = b.root.resolve("work");
        this.outputDir = b.root.resolve("output");
        this.latestCheckpoint = b.latestCheckpoint;
        this.cancelWhen = b.cancelWhen;
        try {
            Files.createDirectories(workDir);
            Files.createDirectories(outputDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A context whose work/ and output/ folders are created under {@code root} (a fresh folder per run). */
    public static Builder builder(Path root) {
        return new Builder(root);
    }

    @Override
    public Path baseModelDir() {
        return baseModelDir;
    }

    @Override
    public Path modelDir(String param) {
        Path dir = modelDirs.get(param);
        if (dir == null) {
            throw new IllegalArgumentException("no model was downloaded for parameter \"" + param + "\"");
        }
        return dir;
    }

    @Override
    public Path datasetDir() {
        return datasetDir;
    }

    @Override
    public Map<String, Object> params() {
        return params;
    }

    @Override
    public Path workDir() {
        return workDir;
    }

    @Override
    public Path outputDir() {
        return outputDir;
    }

    @Override
    public Optional<Checkpoint> latestCheckpoint() {
        return Optional.ofNullable(latestCheckpoint);
    }

    @Override
    public void saveCheckpoint(Checkpoint checkpoint) {
        checkpoints.add(checkpoint);
    }

    @Override
    public void metric(long step, String name, double value) {
        metrics.add(new Metric(step, name, value));
    }

    @Override
    public void log(String line) {
        logs.add(line);
    }

    @Override
    public boolean cancelled() {
        return cancelWhen != null && cancelWhen.test(this);
    }

    public List<Metric> metrics() {
        synchronized (metrics) {
            return List.copyOf(metrics);
        }
    }

    /** Values of one metric in the order reported. */
    public List<Double> values(String name) {
        return metrics().stream().filter(m -> m.name().equals(name)).map(Metric::value).toList();
    }

    public OptionalDouble last(String name) {
        List<Double> values = values(name);
        return values.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(values.get(values.size() - 1));
    }

    public List<String> logs() {
        synchronized (logs) {
            return List.copyOf(logs);
        }
    }

    public List<Checkpoint> checkpoints() {
        synchronized (checkpoints) {
            return List.copyOf(checkpoints);
        }
    }

    /** Number of training steps so far, i.e. "loss" points. */
    public long steps() {
        return values("loss").size();
    }

    public static final class Builder {
        private final Path root;
        private Path baseModelDir;
        private Path datasetDir;
        private final Map<String, Path> modelDirs = new LinkedHashMap<>();
        private final Map<String, Object> params = new LinkedHashMap<>();
        private Checkpoint latestCheckpoint;
        private Predicate<FakeRunContext> cancelWhen;

        private Builder(Path root) {
            this.root = root;
        }

        public Builder baseModel(Path dir) {
            this.baseModelDir = dir;
            return this;
        }

        public Builder dataset(Path dir) {
            this.datasetDir = dir;
            return this;
        }

        /** The folder of a "model" parameter's model, as the agent would have downloaded it. */
        public Builder model(String param, Path dir) {
            modelDirs.put(param, dir);
            return this;
        }

        public Builder param(String name, Object value) {
            params.put(name, value);
            return this;
        }

        public Builder params(Map<String, ?> values) {
            params.putAll(values);
            return this;
        }

        /** As if an earlier attempt of the job had saved this checkpoint. */
        public Builder resumeFrom(Checkpoint checkpoint) {
            this.latestCheckpoint = checkpoint;
            return this;
        }

        public Builder cancelWhen(Predicate<FakeRunContext> condition) {
            this.cancelWhen = condition;
            return this;
        }

        /** Cancels once this many training steps ("loss" metrics) were reported. */
        public Builder cancelAfterSteps(long steps) {
            return cancelWhen(ctx -> ctx.steps() >= steps);
        }

        /** Cancels once this many checkpoints were saved, i.e. right after that epoch. */
        public Builder cancelAfterCheckpoints(int count) {
            return cancelWhen(ctx -> ctx.checkpoints().size() >= count);
        }

        public FakeRunContext build() {
            return new FakeRunContext(this);
        }
    }
}
