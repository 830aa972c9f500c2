package io.modelhub.demo;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.AccountService;
import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.FileChange;
import io.modelhub.jobs.JobService;
import io.modelhub.jobs.JobSpec;
import io.modelhub.jobs.JobState;
import io.modelhub.leaderboards.BenchmarkService;
import io.modelhub.platform.ModelHubConfig;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.runners.RunnerService;
import io.modelhub.storage.blobs.StoredBlob;
import io.modelhub.storage.imports.OnnxBertImport;
import io.modelhub.contract.RecipeDescriptor;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Fills an empty hub with a living catalog: it generates a vision, a language and an audio dataset in Java
 * (no downloads), then trains models from them through the normal job queue, so they come from whichever
 * runner takes them (the launcher's local one on a fresh install) with cards, metrics and lineage like any job.
 * Runs in the background after startup; each finished step is recorded in demo_steps and never redone.
 * <p>
 * Last, after the small models: the real pretrained all-MiniLM-L6-v2, converted from the ONNX export the hub ships
 * with (no download either), and a classifier fine-tuned from it, queued once a runner's text-classification takes
 * BERT models (until then the demo waits for one, and everything before it is already there).
 */
@ApplicationScoped
public class DemoCatalog {
    private static final Logger LOG = Logger.getLogger(DemoCatalog.class);
    public static final String NAMESPACE = "demo";
    static final long SEED = 42;
    private static final Duration POLL = Duration.ofSeconds(2);

    /**
     * A model the demo trains: recipe on a dataset (and a base model for a fine-tune), into the output repo; once
     * trained, it is evaluated on the named demo benchmark (null: none), so the leaderboards have verified scores.
     */
    public record DemoModel(String output, String recipe, String dataset, String baseModel, Map<String, Object> params,
                            String benchmark) {
        /** The demo models this one is trained from: its base model and the ones its "model" parameters name. */
        public List<String> inputs() {
            List<String> inputs = new ArrayList<>();
            if (baseModel != null) {
                inputs.add(baseModel);
            }
            params.values().stream().map(String::valueOf).filter(v -> v.startsWith(NAMESPACE + "/"))
                    .map(v -> v.substring(NAMESPACE.length() + 1)).sorted().forEach(inputs::add);
            return inputs;
        }
    }

    /** A benchmark on a demo dataset's test split. */
    record DemoBenchmark(String name, String task, String dataset, String metric, String description) {
    }

    static List<DemoBenchmark> benchmarks() {
        return List.of(
                new DemoBenchmark("demo-shapes-accuracy", "image-classification", "shapes", "accuracy",
                        "Accuracy on the test split of the demo shapes (4 classes, chance 0.25)."),
                new DemoBenchmark("demo-topics-accuracy", "text-classification", "topics", "accuracy",
                        "Accuracy on the test split of the demo topic sentences (4 classes, chance 0.25)."),
                new DemoBenchmark("demo-tones-accuracy", "audio-classification", "tones", "accuracy",
                        "Accuracy on the test split of the demo tones (4 classes, chance 0.25)."));
    }

    /** A dataset the demo publishes, generated only when its step is not done yet. */
    record DemoData(String name, Supplier<DemoDataset> generator) {
    }

    /** Sizes chosen so that every model trains in about a minute on 2 cores. */
    static List<DemoData> datasets() {
        return List.of(
                new DemoData("shapes", () -> ShapeImages.generate("shapes", SEED, new DemoDataset.Sizes(150, 20, 40))),
                new DemoData("topics", () -> TopicSentences.generate("topics", SEED, new DemoDataset.Sizes(300, 40, 80))),
                new DemoData("tones", () -> ToneClips.generate("tones", SEED, new DemoDataset.Sizes(60, 10, 20))),
                new DemoData("captioned-shapes", () -> CaptionedShapes.pairs("captioned-shapes", SEED, new DemoDataset.Sizes(400, 60, 60))),
                new DemoData("shape-captions", () -> CaptionedShapes.captions("shape-captions", SEED, new DemoDataset.Sizes(400, 60, 60))));
    }

    /** In order: a fine-tune comes after the pre-training that makes its base model. */
    public static List<DemoModel> models() {
        return List.of(
                new DemoModel("shapes-cnn", "image-pretraining", "shapes", null,
                        Map.of("epochs", 10, "image_size", 32, "seed", (int) SEED), "demo-shapes-accuracy"),
                new DemoModel("topics-text-encoder", "text-pretraining", "topics", null,
                        Map.of("epochs", 6, "seed", (int) SEED, "vocab_size", 500, "max_length", 24), null),
                new DemoModel("tones-audio-cnn", "audio-pretraining", "tones", null,
                        Map.of("epochs", 5, "seed", (int) SEED), "demo-tones-accuracy"),
                new DemoModel("topics-classifier", "text-classification", "topics", "topics-text-encoder",
                        Map.of("epochs", 4, "seed", (int) SEED, "learning_rate", 2e-3), "demo-topics-accuracy"),
                new DemoModel("shape-captions-text-encoder", "text-pretraining", "shape-captions", null,
                        Map.of("epochs", 3, "seed", (int) SEED, "vocab_size", 64, "max_length", 8, "hidden_size", 32,
                                "num_layers", 1), null),
                // a text-image dual encoder: its model page searches the captioned shapes by caption
                new DemoModel("captioned-shapes-clip", "cross-modal-alignment", "captioned-shapes", null, Map.ofEntries(
                        Map.entry("tower_a", NAMESPACE + "/shape-captions-text-encoder"), Map.entry("tower_b", NAMESPACE + "/shapes-cnn"),
                        Map.entry("train", "all"), Map.entry("epochs", 8), Map.entry("projection_size", 32),
                        Map.entry("batch_size", 32), Map.entry("temperature", 0.1), Map.entry("learning_rate", 3e-3),
                        Map.entry("seed", (int) SEED), Map.entry("zero_shot_labels", "red, green, blue, yellow, white"),
                        Map.entry("zero_shot_prompt", "a large {label} circle")), null));
    }

    /** The real pretrained BERT the demo holds, converted from the ONNX export on the hub's classpath (no download). */
    public static final String MINILM = "all-minilm-l6-v2";

    /**
     * Fine-tunes of the pretrained MiniLM, queued after every small model so that those appear first: a 22.6M
     * parameter encoder is the slowest job of the demo. 2 epochs over the 300 topic sentences at 64 tokens take a
     * couple of minutes on 2 cores.
     */
    public static List<DemoModel> pretrainedFineTunes() {
        return List.of(new DemoModel("topics-minilm-classifier", "text-classification", "topics", MINILM,
                Map.of("epochs", 2, "seed", (int) SEED, "learning_rate", 5e-5, "batch_size", 16), "demo-topics-accuracy"));
    }

    /** Tokens per sentence for the MiniLM fine-tunes, set where the recipe publishes max_length. */
    static final int MINILM_MAX_LENGTH = 64;

    @Inject
    ModelHubConfig config;
    @Inject
    EntityManager em;
    @Inject
    AccountService accounts;
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    JobService jobs;
    @Inject
    RunnerService runners;
    @Inject
    BenchmarkService benchmarkService;

    private volatile Thread worker;

    void onStart(@Observes StartupEvent event) {
        if (!config.demo().enabled()) {
            return;
        }
        worker = new Thread(this::buildQuietly, "demo-catalog");
        worker.setDaemon(true);
        worker.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        Thread running = worker;
        if (running != null) {
            running.interrupt();
        }
    }

    private void buildQuietly() {
        try {
            build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("Demo catalog stopped: " + e.getMessage(), e);
        }
    }

    /** Publishes the datasets, then queues the models' jobs and waits for each one a later step builds on. */
    void build() throws InterruptedException {
        Viewer demo = demoViewer();
        for (DemoData data : datasets()) {
            String step = "dataset:" + data.name();
            if (!done(step)) {
                DemoDataset dataset = data.generator().get();
                publish(demo, dataset);
                markDone(step);
                LOG.infof("Demo catalog: dataset %s/%s published (%d files)", NAMESPACE, dataset.name(), dataset.files().size());
            }
        }
        for (DemoBenchmark benchmark : benchmarks()) {
            String step = "benchmark:" + benchmark.name();
            if (!done(step)) {
                benchmarkService.create(demo, new BenchmarkService.BenchmarkSpec(benchmark.name(), benchmark.task(),
                        NAMESPACE + "/" + benchmark.dataset(), null, "test", benchmark.metric(), true, benchmark.description()));
                markDone(step);
            }
        }
        for (DemoModel model : models()) {
            String step = "model:" + model.output();
            if (done(step)) {
                continue;
            }
            String missing = null;
            for (String input : model.inputs()) {
                if (missing == null && !awaitModel(demo, input)) {
                    missing = input;
                }
            }
            if (missing != null) {
                LOG.warnf("Demo catalog: %s/%s is not trained, so %s/%s is skipped", NAMESPACE, missing, NAMESPACE,
                        model.output());
                continue;
            }
            awaitRecipe(model.recipe());
            queue(demo, model, model.params());
        }
        // while the runner trains the small models: the real pretrained one, imported, not trained
        if (!done("import:" + MINILM)) {
            try {
                importMiniLm(demo);
                markDone("import:" + MINILM);
            } catch (RuntimeException e) {
                // the small models are queued and must still be recorded below; the fine-tune of it is skipped
                LOG.warnf(e, "Demo catalog: %s/%s could not be imported", NAMESPACE, MINILM);
            }
        }
        for (DemoModel model : models()) {
            if (!done("model:" + model.output())) {
                awaitModel(demo, model.output());
            }
        }
        for (DemoModel model : pretrainedFineTunes()) {
            String step = "model:" + model.output();
            if (done(step)) {
                continue;
            }
            if (existingJob(model.output()) == null) {
                String modelType = modelType(model.baseModel());
                if (modelType == null) {
                    LOG.warnf("Demo catalog: %s/%s is missing, so %s/%s is skipped", NAMESPACE, model.baseModel(),
                            NAMESPACE, model.output());
                    continue;
                }
                RecipeDescriptor recipe = awaitRecipeTaking(model.recipe(), modelType);
                Map<String, Object> params = new HashMap<>(model.params());
                if (recipe.byName().containsKey("max_length")) {
                    params.put("max_length", MINILM_MAX_LENGTH);
                }
                queue(demo, model, params);
            }
            awaitModel(demo, model.output());
        }
        LOG.info("Demo catalog complete");
    }

    /** Submits the model's job unless one (from an earlier start perhaps) is already queued, running or done. */
    private void queue(Viewer demo, DemoModel model, Map<String, Object> params) {
        Long job = existingJob(model.output());
        if (job == null) {
            job = jobs.submit(demo, new JobSpec(model.recipe(), model.baseModel() == null ? null : NAMESPACE + "/" + model.baseModel(),
                    null, NAMESPACE + "/" + model.dataset(), null, params, NAMESPACE + "/" + model.output(),
                    0, 0L, List.of(), 0, 3, evaluateOn(model))).id();
            LOG.infof("Demo catalog: job %d queued (%s -> %s/%s)", job, model.recipe(), NAMESPACE, model.output());
        }
    }

    /**
     * all-MiniLM-L6-v2 in the transformers layout, converted from the ONNX export in the langchain4j jar the hub
     * ships with (Apache-2.0), so a fresh install holds a real pretrained language model without any download.
     */
    void importMiniLm(Viewer demo) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("demo-minilm");
            OnnxBertImport.Result result = OnnxBertImport.fromClasspath(dir);
            Path card = dir.resolve("README.md");
            Files.writeString(card, Files.readString(card) + "\nPublished by the ModelHub demo catalog on the hub's first start: "
                    + "converted by " + OnnxBertImport.class.getName() + " from the ONNX export in Maven artifact "
                    + OnnxBertImport.MINILM_ARTIFACT + ", which the hub ships with. Fine-tune it with the text-classification "
                    + "recipe, as " + NAMESPACE + "/" + pretrainedFineTunes().get(0).output() + " is.\n");
            Map<String, StoredBlob> files = new LinkedHashMap<>();
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path file : walk.filter(Files::isRegularFile).sorted().toList()) {
                    // streamed into the object store: model.safetensors is 90 MB
                    try (InputStream in = Files.newInputStream(file)) {
                        files.put(dir.relativize(file).toString().replace('\\', '/'), commits.store(in, Files.size(file)));
                    }
                }
            }
            publishModel(demo, MINILM, files, "Import all-MiniLM-L6-v2 from its ONNX export");
            LOG.infof("Demo catalog: model %s/%s imported (%,d parameters)", NAMESPACE, MINILM, result.parameters());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    /** The demo benchmark the model is evaluated on when its job succeeds (the job queues the evaluation itself). */
    private List<Long> evaluateOn(DemoModel model) {
        if (model.benchmark() == null) {
            return List.of();
        }
        return benchmarkService.list().stream().filter(b -> b.name().equals(model.benchmark()))
                .map(BenchmarkService.BenchmarkView::id).toList();
    }

    /** Waits until the demo model exists (its job succeeded) and records the step; false if its job failed. */
    private boolean awaitModel(Viewer demo, String output) throws InterruptedException {
        String step = "model:" + output;
        while (!done(step)) {
            Long job = existingJob(output);
            if (job == null) {
                return false;
            }
            JobService.JobView view = jobs.get(demo, job);
            switch (view.state()) {
                case SUCCEEDED -> {
                    markDone(step);
                    LOG.infof("Demo catalog: %s/%s trained by job %d", NAMESPACE, output, job);
                }
                case FAILED, CANCELLED -> {
                    LOG.warnf("Demo catalog: job %d for %s/%s %s: %s", job, NAMESPACE, output, view.state(), view.error());
                    return false;
                }
                default -> Thread.sleep(POLL.toMillis());
            }
        }
        return true;
    }

    /** Jobs are validated against the recipes runners publish: wait for a runner that offers this one. */
    private void awaitRecipe(String recipe) throws InterruptedException {
        boolean logged = false;
        while (runners.recipe(recipe).isEmpty()) {
            if (!logged) {
                LOG.infof("Demo catalog: waiting for a runner that offers recipe %s", recipe);
                logged = true;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /**
     * Waits for a runner whose version of the recipe takes this model type as its base model; a job for it would be
     * refused until then (a runner from before BERT support publishes text-classification for its own encoders only).
     */
    private RecipeDescriptor awaitRecipeTaking(String recipe, String modelType) throws InterruptedException {
        boolean logged = false;
        while (true) {
            java.util.Optional<RecipeDescriptor> current = runners.recipe(recipe);
            if (current.isPresent() && current.get().acceptsBaseModelType(modelType)) {
                return current.get();
            }
            if (!logged) {
                LOG.infof("Demo catalog: waiting for a runner whose %s takes %s models (%s)", recipe, modelType,
                        current.map(r -> "version " + r.version() + " takes " + r.modelTypes()).orElse("none offers it yet"));
                logged = true;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** The config.json model_type of a demo model, as the hub indexed it; null when it is gone (deleted, or never imported). */
    @Transactional
    String modelType(String name) {
        return repos.find(RepoName.parse(RepoType.MODEL, NAMESPACE + "/" + name)).map(r -> r.modelType).orElse(null);
    }

    /** The newest job (any state but failed/cancelled) that writes this demo model, from an earlier start perhaps. */
    @Transactional
    Long existingJob(String output) {
        List<?> ids = em.createNativeQuery("select id from jobs where output_repo = ?1 and state not in (?2, ?3) "
                        + "order by id desc limit 1")
                .setParameter(1, NAMESPACE + "/" + output).setParameter(2, JobState.FAILED.wire())
                .setParameter(3, JobState.CANCELLED.wire()).getResultList();
        return ids.isEmpty() ? null : ((Number) ids.get(0)).longValue();
    }

    @Transactional
    Viewer demoViewer() {
        Account account = Account.findByUsername(NAMESPACE).orElseGet(() -> {
            byte[] password = new byte[18];
            new SecureRandom().nextBytes(password);
            // nobody signs in as the demo account: its password is random and never shown
            return accounts.createUser(NAMESPACE, HexFormat.of().formatHex(password), "ModelHub demo", null, false);
        });
        return Viewer.session(account);
    }

    @Transactional
    void publish(Viewer demo, DemoDataset dataset) {
        RepoName name = RepoName.parse(RepoType.DATASET, NAMESPACE + "/" + dataset.name());
        Repo repo = repos.find(name).orElseGet(() -> repos.create(demo, name, false));
        List<FileChange> changes = new ArrayList<>();
        changes.add(FileChange.put("README.md", commits.storeSmall(dataset.card())));
        dataset.files().forEach((path, bytes) ->
                changes.add(FileChange.put(path, commits.store(new ByteArrayInputStream(bytes), bytes.length))));
        commits.commit(repo, CommitService.DEFAULT_BRANCH, null, changes, "Generate the demo dataset",
                "Written by " + DemoCatalog.class.getName() + " on the hub's first start.", demo);
    }

    @Transactional
    void publishModel(Viewer demo, String name, Map<String, StoredBlob> files, String summary) {
        RepoName repoName = RepoName.parse(RepoType.MODEL, NAMESPACE + "/" + name);
        Repo repo = repos.find(repoName).orElseGet(() -> repos.create(demo, repoName, false));
        List<FileChange> changes = new ArrayList<>();
        files.forEach((path, blob) -> changes.add(FileChange.put(path, blob)));
        commits.commit(repo, CommitService.DEFAULT_BRANCH, null, changes, summary,
                "Written by " + DemoCatalog.class.getName() + " on the hub's first start.", demo);
    }

    @Transactional
    boolean done(String step) {
        return !em.createNativeQuery("select 1 from demo_steps where step = ?1").setParameter(1, step).getResultList().isEmpty();
    }

    @Transactional
    void markDone(String step) {
        em.createNativeQuery("insert into demo_steps (step) values (?1) on conflict do nothing").setParameter(1, step)
                .executeUpdate();
    }
}
