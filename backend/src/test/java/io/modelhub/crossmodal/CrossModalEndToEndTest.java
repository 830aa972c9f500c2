package io.modelhub.crossmodal;

import io.modelhub.jobs.JobState;
import io.modelhub.commits.CommitService;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.runners.testing.PairedDatasetBuilder;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.RunnerProcess;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.modelhub.testing.JobsApi.awaitFinished;
import static io.modelhub.testing.JobsApi.job;
import static io.modelhub.testing.JobsApi.logs;
import static io.modelhub.testing.JobsApi.submit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cross-modal path on real processes: two towers pre-trained through the queue, a cross-modal-alignment job
 * whose "model" parameters the hub pins and the runner downloads, the committed dual encoder with its card, and
 * the hub's search over the index the run committed.
 */
@QuarkusTest
class CrossModalEndToEndTest {
    @TestHTTPResource("/")
    URL base;
    @Inject
    CrossModalSearch search;
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;

    static RunnerProcess runner;

    @AfterAll
    static void stopRunner() throws Exception {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void alignTwoHubModelsThenSearchTheResult(@TempDir Path tmp) throws Exception {
        PairedDatasetBuilder.in(tmp.resolve("data")).pairs(200).seed(4).build();
        HubApi.dataset("x2e-pairs").folder(tmp.resolve("data/pairs")).create();
        HubApi.dataset("x2e-images").folder(tmp.resolve("data/images")).create();
        HubApi.dataset("x2e-captions").folder(tmp.resolve("data/captions")).create();
        // one runner trains the towers and the dual encoder, then serves it (the search's query embedding, zero-shot)
        runner = RunnerProcess.start(base.toString().replaceAll("/$", ""), "x2e-runner", tmp.resolve("runner"),
                HubApi.issueRunnerCredential("x2e-runner"), Map.of("MODELHUB_RUNNER_SERVE", "1"));
        runner.awaitRegistration();

        long cnn = submit(Map.of("recipe", "image-pretraining", "dataset", "admin/x2e-images", "outputRepo", "admin/x2e-cnn",
                "params", Map.of("epochs", 2, "seed", 1)));
        long text = submit(Map.of("recipe", "text-pretraining", "dataset", "admin/x2e-captions", "outputRepo", "admin/x2e-text",
                "params", Map.of("epochs", 2, "seed", 1, "vocab_size", 64, "max_length", 8, "hidden_size", 32, "num_layers", 1)));
        assertEquals(JobState.SUCCEEDED.wire(), awaitFinished(cnn, 300).getString("state"));
        assertEquals(JobState.SUCCEEDED.wire(), awaitFinished(text, 300).getString("state"));

        long align = submit(Map.of("recipe", "cross-modal-alignment", "dataset", "admin/x2e-pairs", "outputRepo", "admin/x2e-clip",
                "params", Map.of("tower_a", "admin/x2e-cnn", "tower_b", "admin/x2e-text@main", "train", "all", "epochs", 6,
                        "batch_size", 24, "projection_size", 32, "learning_rate", 0.003, "temperature", 0.1, "seed", 5,
                        "zero_shot_labels", "circle,square,triangle")));
        JsonPath submitted = job(align);
        assertTrue(submitted.getString("params.tower_b").matches("admin/x2e-text@[0-9a-f]{40}"), submitted.prettify());
        JsonPath done = awaitFinished(align, 300);
        assertEquals(JobState.SUCCEEDED.wire(), done.getString("state"), done.prettify() + logs(align));
        Map<String, Object> result = done.getMap("result");  // metric names hold '@', which GPath cannot address
        double chance = ((Number) result.get("val_chance_recall@1")).doubleValue();
        double textToImage = ((Number) result.get("val_text_to_image_recall@1")).doubleValue();
        double imageToText = ((Number) result.get("val_image_to_text_recall@1")).doubleValue();
        System.out.printf("cross-modal job through the queue: chance %.3f, text->image R@1 %.3f, image->text R@1 %.3f%n",
                chance, textToImage, imageToText);
        assertTrue(textToImage > 3 * chance && imageToText > 3 * chance, done.prettify());
        assertTrue(logs(align).contains("Epoch 6/6"), logs(align));

        JsonPath model = HubApi.asAdmin().get("/api/models/admin/x2e-clip").jsonPath();
        assertTrue(model.getList("siblings.rfilename").containsAll(List.of("README.md", "config.json", "model.safetensors",
                "tokenizer.json", "index/embeddings.safetensors", "index/items.jsonl")), model.prettify());
        assertEquals("admin/x2e-pairs", model.getString("cardData.datasets[0]"));

        // pipeline_tag from the recipe: the task filter finds the dual encoder
        assertEquals("zero-shot-image-classification", model.getString("pipeline_tag"), model.prettify());
        List<String> zeroShotModels = HubApi.asAdmin().queryParam("pipeline_tag", "zero-shot-image-classification")
                .queryParam("limit", 1000).get("/api/models").then().statusCode(200).extract().jsonPath().getList("id");
        assertTrue(zeroShotModels.contains("admin/x2e-clip") && !zeroShotModels.contains("admin/x2e-cnn"), zeroShotModels.toString());

        // The hub answers a caption from the committed index, the caption embedded by the runner's text tower.
        CrossModalSearch.Index index = index("x2e-clip");
        assertEquals("text", index.a().modality());
        assertTheServedTextTowerEmbedsAsTheRunDid(index);
        assertZeroShotThroughTheApiMatchesTheIndex(index, tmp.resolve("data/pairs"));
        String caption = PairedDatasetBuilder.caption("circle", "red", "large");
        CrossModalSearch.Answer answer = search.byText(repo("x2e-clip"), index, caption, 5);
        assertEquals(caption, answer.searchedAs());
        assertEquals("b", answer.side());
        // colour and size are what six epochs learn reliably (shape less so: R@1 is about a third): the top images
        // are large and red, and their scores are ranked
        assertTrue(answer.hits().stream().allMatch(h -> h.partner().startsWith("a large red ")), answer.hits().toString());
        for (int i = 1; i < answer.hits().size(); i++) {
            assertTrue(answer.hits().get(i - 1).score() >= answer.hits().get(i).score());
        }
        // any text works, words outside the vocabulary included (no nearest-caption fallback)
        CrossModalSearch.Answer free = search.byText(repo("x2e-clip"), index, "  Something LARGE and red?! ", 3);
        assertEquals("Something LARGE and red?!", free.searchedAs());
        assertEquals(3, free.hits().size());
        // the same answer over HTTP, for scripts; and clear errors
        JsonPath overHttp = HubApi.asAdmin().queryParam("q", caption).queryParam("limit", 5)
                .get("/api/crossmodal/admin/x2e-clip/search").then().statusCode(200).extract().jsonPath();
        assertEquals(answer.hits().get(0).item(), overHttp.getString("hits[0].item"));
        assertEquals(5, overHttp.getList("hits").size());
        HubApi.asAdmin().get("/api/crossmodal/admin/x2e-clip/search").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("?q="));
        HubApi.asAdmin().queryParam("q", "red").get("/api/crossmodal/admin/x2e-cnn/search").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("is not a cross-modal model"));
        HubApi.asAdmin().queryParam("q", "red").get("/api/crossmodal/admin/no-such-model/search").then().statusCode(404);
    }

    /**
     * The dual encoder's text tower served by the runner (feature-extraction over the inference API, the search's
     * path) reproduces the run's own embeddings: of every caption in the index, and of the zero-shot prompts ("a
     * photo of a circle": texts that are no caption, with words outside the vocabulary).
     */
    private void assertTheServedTextTowerEmbedsAsTheRunDid(CrossModalSearch.Index index) throws Exception {
        int d = index.dimensions();
        List<String> texts = new java.util.ArrayList<>();
        List<float[]> expected = new java.util.ArrayList<>();
        for (int i = 0; i < index.size(); i++) {
            texts.add(index.items().get(i).a());
            expected.add(java.util.Arrays.copyOfRange(index.embeddingsA(), i * d, (i + 1) * d));
        }
        for (int i = 0; i < index.prompts().size(); i++) {
            texts.add(index.prompts().get(i));
            expected.add(java.util.Arrays.copyOfRange(index.promptEmbeddings(), i * d, (i + 1) * d));
        }
        assertEquals(List.of("a photo of a circle", "a photo of a square", "a photo of a triangle"), index.prompts());
        double maxDiff = 0;
        double minCosine = 1;
        long started = System.nanoTime();
        for (int from = 0; from < texts.size(); from += 50) {
            List<String> chunk = texts.subList(from, Math.min(texts.size(), from + 50));
            io.restassured.response.Response r = awaitServed(() -> HubApi.asAdmin().contentType("application/json")
                    .body(Map.of("inputs", chunk)).post("/models/admin/x2e-clip/pipeline/feature-extraction"));
            List<List<Number>> vectors = r.jsonPath().getList("$");
            assertEquals(chunk.size(), vectors.size());
            for (int i = 0; i < chunk.size(); i++) {
                double dot = 0;
                for (int j = 0; j < d; j++) {
                    float mine = vectors.get(i).get(j).floatValue();
                    dot += mine * expected.get(from + i)[j];
                    maxDiff = Math.max(maxDiff, Math.abs(mine - expected.get(from + i)[j]));
                }
                minCosine = Math.min(minCosine, dot);
            }
        }
        System.out.printf("served text tower vs the run's index on %d texts (%d captions, %d prompts): max |diff| %.2e,"
                        + " min cosine %.8f, %.1f ms per request of up to 50 texts%n", texts.size(), index.size(),
                index.prompts().size(), maxDiff, minCosine, (System.nanoTime() - started) / 1e6 / ((texts.size() + 49) / 50));
        assertTrue(maxDiff < 1e-4 && minCosine > 0.9999, "max |diff| " + maxDiff + ", min cosine " + minCosine);
    }

    /**
     * zero-shot-image-classification over the API (InferenceClient's base64 JSON) with the run's own labels and
     * prompt template gives, for indexed images, the probabilities the hub computes from the committed index.
     */
    private void assertZeroShotThroughTheApiMatchesTheIndex(CrossModalSearch.Index index, Path dataset) throws Exception {
        double maxDiff = 0;
        for (int i = 0; i < 6; i++) {
            String image = index.items().get(i).b();
            String base64 = java.util.Base64.getEncoder().encodeToString(java.nio.file.Files.readAllBytes(dataset.resolve(image)));
            JsonPath answer = HubApi.as(null).contentType("application/json").body(Map.of("inputs", base64, "parameters",
                            Map.of("candidate_labels", List.of("circle", "square", "triangle"), "hypothesis_template", "a photo of a {}")))
                    .post("/models/admin/x2e-clip").then().statusCode(200).extract().jsonPath();
            List<CrossModalSearch.LabelScore> expected = search.zeroShot(index, "b", image);
            assertEquals(expected.stream().map(CrossModalSearch.LabelScore::label).toList(), answer.getList("label", String.class),
                    answer.prettify());
            for (int l = 0; l < expected.size(); l++) {
                maxDiff = Math.max(maxDiff, Math.abs(expected.get(l).probability() - answer.getDouble("[" + l + "].score")));
            }
        }
        System.out.printf("zero-shot over the API vs the index on 6 images: max |diff| %.2e%n", maxDiff);
        assertTrue(maxDiff < 1e-4, "max |diff| " + maxDiff);

        // the real @huggingface/inference client (npm), which sends {"inputs": {"image": "<base64>"}}, gets the same
        String image = index.items().get(0).b();
        Path plan = java.nio.file.Files.createTempFile("zero-shot-plan", ".json");
        new com.fasterxml.jackson.databind.ObjectMapper().writeValue(plan.toFile(), List.of(Map.of("id", "zero-shot",
                "method", "zeroShotImageClassification", "model", "admin/x2e-clip", "file", dataset.resolve(image).toString(),
                "fileAt", "inputs", "args", Map.of("parameters", Map.of("candidate_labels", List.of("circle", "square", "triangle"),
                        "hypothesis_template", "a photo of a {}")))));
        String out = io.modelhub.testing.JsClient.script("inference-client.mjs", base, null, Map.of(), plan.toString());
        JsonPath client = JsonPath.from(out.lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow()
                .substring("RESULT ".length()));
        List<CrossModalSearch.LabelScore> expected = search.zeroShot(index, "b", image);
        assertEquals(expected.stream().map(CrossModalSearch.LabelScore::label).toList(), client.getList("output.label", String.class), out);
        for (int l = 0; l < expected.size(); l++) {
            assertEquals(expected.get(l).probability(), client.getDouble("output[" + l + "].score"), 1e-4, out);
        }
        java.nio.file.Files.delete(plan);
        // raw image bytes without candidate labels: the runner says what is missing
        HubApi.as(null).contentType("image/png").body(java.nio.file.Files.readAllBytes(dataset.resolve(index.items().get(0).b())))
                .post("/models/admin/x2e-clip").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("candidate_labels"));
    }

    /** The first call after the runner starts may find its serving loop not polling yet (503 no_serving_runner). */
    private io.restassured.response.Response awaitServed(java.util.concurrent.Callable<io.restassured.response.Response> call)
            throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            io.restassured.response.Response r = call.call();
            if (r.statusCode() != 503 || System.nanoTime() > deadline) {
                assertEquals(200, r.statusCode(), r.asString() + "\n" + runner.output());
                return r;
            }
            Thread.sleep(200);
        }
    }

    Repo repo(String name) {
        return repos.find(RepoName.parse(RepoType.MODEL, "admin/" + name)).orElseThrow();
    }

    CrossModalSearch.Index index(String name) {
        Repo repo = repo(name);
        return search.index(repo, commits.resolve(repo, "main")).orElseThrow();
    }
}
