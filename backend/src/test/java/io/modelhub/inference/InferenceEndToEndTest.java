package io.modelhub.inference;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.modelhub.storage.imports.OnnxBertImport;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.InferenceModels;
import io.modelhub.testing.RealModelsProfile;
import io.modelhub.testing.RunnerProcess;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.awt.Color;
import java.io.InputStream;
import java.net.URL;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The inference API end to end: the hub, a real runner process serving with MODELHUB_RUNNER_SERVE=1, and models the
 * test makes: a modelhub-cnn whose weights make it tell red from blue (so the expected scores follow from the
 * weights), a tiny BERT classifier whose head ignores the text (its scores are exactly 0.75/0.25), and the real
 * all-MiniLM-L6-v2, whose sentence embedding through the API must match ONNX Runtime's on the original export.
 */
@QuarkusTest
@TestProfile(RealModelsProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InferenceEndToEndTest {
    static final String COLOURS = "admin/inference-colours";
    static final String SENTIMENT = "admin/inference-sentiment";
    static final String MINILM = "admin/inference-minilm";
    static final String SECRET = "admin/inference-secret";
    static final String FILL = "admin/inference-fill-mask";
    static final String SOUNDS = "admin/inference-sounds";
    static final float HEAD = InferenceModels.COLOUR_HEAD;

    @TestHTTPResource("/")
    URL base;
    @TempDir
    static Path tmp;

    static RunnerProcess runner;
    static boolean created;

    @AfterAll
    static void stopRunner() throws Exception {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    @Order(1)
    void withoutAServingRunnerTheCallerGets503WithRetryAfterAndPrivateModelsStayHidden() throws Exception {
        createModels();
        Response refused = HubApi.as(null).contentType("image/png").body(InferenceModels.png(Color.RED)).post("/models/" + COLOURS);
        assertEquals(503, refused.statusCode(), refused.asString());
        assertEquals("30", refused.header("Retry-After"));
        assertEquals("no_serving_runner", refused.jsonPath().getString("reason"));
        assertTrue(refused.jsonPath().getString("error").contains("No serving runner online"), refused.asString());

        // a private model is 404 to who cannot read it, exactly like a download; its owner gets as far as the 503
        HubApi.as(null).contentType("application/json").body(Map.of("inputs", "hello")).post("/models/" + SECRET)
                .then().statusCode(404);
        HubApi.asAdmin().contentType("application/json").body(Map.of("inputs", "hello")).post("/models/" + SECRET)
                .then().statusCode(503);
        HubApi.as(null).contentType("application/json").body(Map.of("inputs", "x")).post("/models/admin/no-such-model")
                .then().statusCode(404);
        // malformed requests are refused before they wait for anyone
        HubApi.as(null).contentType("application/json").body("{\"inputs\": \"\"}").post("/models/" + SENTIMENT)
                .then().statusCode(400).body("error", org.hamcrest.Matchers.containsString("empty text"));
        HubApi.as(null).contentType("application/json").body("{\"inputs\": ").post("/models/" + SENTIMENT)
                .then().statusCode(400).body("error", org.hamcrest.Matchers.containsString("not valid JSON"));
        HubApi.as(null).contentType("application/json").body(Map.of("inputs", "x")).post("/models/" + SENTIMENT + "/pipeline/summarization")
                .then().statusCode(400).body("error", org.hamcrest.Matchers.containsString("not served"));
    }

    @Test
    @Order(2)
    void imageClassificationThroughARealRunner() throws Exception {
        startServingRunner();
        double high = 1 / (1 + Math.exp(-HEAD / Math.sqrt(1 + 1e-5)));
        JsonPath red = awaitAnswer(() -> HubApi.as(null).contentType("image/png").body(InferenceModels.png(Color.RED)).post("/models/" + COLOURS));
        assertEquals(List.of("red", "blue"), red.getList("label", String.class), red.prettify());
        assertEquals(high, red.getDouble("[0].score"), 1e-4);
        assertEquals(1 - high, red.getDouble("[1].score"), 1e-4);

        JsonPath blue = HubApi.as(null).contentType("image/png").body(InferenceModels.png(Color.BLUE)).post("/models/" + COLOURS)
                .then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("blue", "red"), blue.getList("label", String.class), blue.prettify());
        assertEquals(high, blue.getDouble("[0].score"), 1e-4);

        // with parameters InferenceClient sends the image as base64 JSON
        JsonPath top1 = HubApi.as(null).contentType("application/json")
                .body(Map.of("inputs", Base64.getEncoder().encodeToString(InferenceModels.png(Color.BLUE)), "parameters", Map.of("top_k", 1)))
                .post("/models/" + COLOURS).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("blue"), top1.getList("label", String.class), top1.prettify());

        // inputs that do not fit the model: the runner says what is wrong
        HubApi.as(null).contentType("application/octet-stream").body("not an image at all".getBytes())
                .post("/models/" + COLOURS).then().statusCode(400).body("error", org.hamcrest.Matchers.containsString("not an image"));
        HubApi.as(null).contentType("application/json").body(Map.of("inputs", List.of("a text")))
                .post("/models/" + COLOURS).then().statusCode(400).body("error", org.hamcrest.Matchers.containsString("reads an image"));
    }

    @Test
    @Order(3)
    void textClassificationOfABertClassifier() throws Exception {
        startServingRunner();
        JsonPath one = awaitAnswer(() -> HubApi.as(null).contentType("application/json").body(Map.of("inputs", "a good movie"))
                .post("/models/" + SENTIMENT));
        // the pipeline's shape: one list of {label, score} per text, all labels, best first
        assertEquals(List.of("positive", "negative"), one.getList("[0].label", String.class), one.prettify());
        assertEquals(0.75, one.getDouble("[0][0].score"), 1e-5);
        assertEquals(0.25, one.getDouble("[0][1].score"), 1e-5);

        JsonPath two = HubApi.as(null).contentType("application/json")
                .body(Map.of("inputs", List.of("a good movie", "an awful movie"), "parameters", Map.of("top_k", 1, "function_to_apply", "none")))
                .post("/models/" + SENTIMENT + "?revision=main").then().statusCode(200).extract().jsonPath();
        assertEquals(2, two.getList("$").size(), two.prettify());
        assertEquals(List.of("positive"), two.getList("[1].label", String.class));
        assertEquals(Math.log(3), two.getDouble("[1][0].score"), 1e-5, "the raw logit with function_to_apply none");

        HubApi.as(null).contentType("application/json").body(Map.of("inputs", "a good movie"))
                .post("/models/" + SENTIMENT + "/pipeline/feature-extraction").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("does not serve feature-extraction"));
        HubApi.as(null).contentType("application/json").body(Map.of("inputs", "x")).post("/models/" + SENTIMENT + "?revision=nope")
                .then().statusCode(404);
    }

    @Test
    @Order(4)
    void featureExtractionOfTheRealMiniLmMatchesOnnxRuntime() throws Exception {
        startServingRunner();
        Path minilm = tmp.resolve("minilm");
        OnnxBertImport.fromClasspath(minilm);
        HubApi.model("inference-minilm").folder(minilm).create();
        String text = "A man is playing a guitar on a small stage.";
        JsonPath answer = awaitAnswer(() -> HubApi.as(null).contentType("application/json").body(Map.of("inputs", text))
                .post("/models/" + MINILM + "/pipeline/feature-extraction"));
        List<Float> embedding = answer.getList("$", Float.class);
        assertEquals(384, embedding.size(), "a sentence-transformers model answers its pooled embedding");
        float[] reference = onnxSentenceEmbedding(minilm, text);
        double cosine = cosine(embedding, reference);
        System.out.printf("MiniLM feature-extraction through the API vs ONNX Runtime: cosine %.7f%n", cosine);
        assertTrue(cosine >= 0.9999, "cosine " + cosine);

        JsonPath batch = HubApi.as(null).contentType("application/json")
                .body(Map.of("inputs", List.of(text, "Stock markets fell sharply today.")))
                .post("/models/" + MINILM).then().statusCode(200).extract().jsonPath();
        assertEquals(2, batch.getList("$").size());
        assertTrue(cosine(batch.getList("[0]", Float.class), reference) >= 0.9999, "the same text in a batch");
        assertTrue(cosine(batch.getList("[1]", Float.class), reference) < 0.5, "a different text is far away");

        // concurrent callers: the runner may batch them into one forward pass; each still gets its own embedding
        String other = "Stock markets fell sharply today.";
        List<Float> otherAlone = batch.getList("[1]", Float.class);
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<List<Float>>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String input = i % 2 == 0 ? text : other;
                answers.add(callers.submit(() -> HubApi.as(null).contentType("application/json").body(Map.of("inputs", input))
                        .post("/models/" + MINILM).then().statusCode(200).extract().jsonPath().getList("$", Float.class)));
            }
            for (int i = 0; i < answers.size(); i++) {
                List<Float> got = answers.get(i).get(120, TimeUnit.SECONDS);
                if (i % 2 == 0) {
                    assertTrue(cosine(got, reference) >= 0.9999, "concurrent request " + i);
                } else {
                    assertTrue(cosine(got, toArray(otherAlone)) >= 0.9999, "concurrent request " + i);
                }
            }
        } finally {
            callers.shutdownNow();
        }
        java.util.regex.Matcher batches = java.util.regex.Pattern.compile("Inference on " + MINILM + ": (\\d+) request")
                .matcher(runner.output());
        int largest = 0;
        while (batches.find()) {
            largest = Math.max(largest, Integer.parseInt(batches.group(1)));
        }
        System.out.println("Largest MiniLM batch the runner formed: " + largest + " request(s)");

        // warm latency, one caller at a time, end to end through the hub and the runner
        long[] millis = new long[20];
        for (int i = 0; i < millis.length; i++) {
            long started = System.nanoTime();
            HubApi.as(null).contentType("application/json").body(Map.of("inputs", text)).post("/models/" + MINILM)
                    .then().statusCode(200);
            millis[i] = (System.nanoTime() - started) / 1_000_000;
        }
        java.util.Arrays.sort(millis);
        System.out.printf("MiniLM feature-extraction, warm, sequential: p50 %d ms, p95 %d ms%n", millis[9], millis[18]);
    }

    @Test
    @Order(5)
    void sentenceSimilarityOfTheRealMiniLmMatchesOnnxRuntimeCosines() throws Exception {
        startServingRunner();
        Path minilm = tmp.resolve("minilm");
        String source = "A man is playing a guitar on a small stage.";
        List<String> sentences = List.of("Someone plays an acoustic guitar.", "Stock markets fell sharply today.");
        float[] reference = onnxSentenceEmbedding(minilm, source);
        List<Double> expected = new java.util.ArrayList<>();
        for (String sentence : sentences) {
            expected.add(cosine(toList(onnxSentenceEmbedding(minilm, sentence)), reference));
        }
        // the pipeline URL InferenceClient builds for a model id, and the bare model URL it uses when given one
        for (String path : List.of("/models/" + MINILM + "/pipeline/sentence-similarity", "/models/" + MINILM)) {
            JsonPath answer = awaitAnswer(() -> HubApi.as(null).contentType("application/json")
                    .body(Map.of("inputs", Map.of("source_sentence", source, "sentences", sentences))).post(path));
            List<Double> cosines = answer.getList("$", Double.class);
            assertEquals(2, cosines.size(), answer.prettify());
            for (int i = 0; i < sentences.size(); i++) {
                assertEquals(expected.get(i), cosines.get(i), 1e-4, "sentence " + i + " of " + path);
            }
            assertTrue(cosines.get(0) > cosines.get(1) + 0.2, "the guitar sentences are the alike ones: " + cosines);
            System.out.printf("MiniLM sentence-similarity through %s: %s, ONNX Runtime cosines %s%n", path, cosines,
                    expected);
        }
        // the same model still answers feature-extraction, and sentence-similarity needs its input shape
        HubApi.as(null).contentType("application/json").body(Map.of("inputs", Map.of("source_sentence", source)))
                .post("/models/" + MINILM).then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("sentence-similarity"));
        HubApi.as(null).contentType("application/json").body(Map.of("inputs", source))
                .post("/models/" + MINILM + "/pipeline/sentence-similarity").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("source_sentence"));
    }

    @Test
    @Order(6)
    void fillMaskOfABertForMaskedLm() throws Exception {
        startServingRunner();
        InferenceModels.fillMask(FILL.substring("admin/".length())).create();
        JsonPath answer = awaitAnswer(() -> HubApi.as(null).contentType("application/json")
                .body(Map.of("inputs", "a [MASK] movie")).post("/models/" + FILL));
        // the head's bias alone decides: ln 3 for "good", 0 for the 10 other ids, so softmax gives good 3/13
        assertEquals(5, answer.getList("$").size(), "top 5 by default: " + answer.prettify());
        assertEquals("good", answer.getString("[0].token_str"));
        assertEquals(io.modelhub.testing.TokenizerJson.SPECIALS.size() + InferenceModels.BERT_WORDS.indexOf("good"), answer.getInt("[0].token"));
        assertEquals("a good movie", answer.getString("[0].sequence"));
        assertEquals(3.0 / 13, answer.getDouble("[0].score"), 1e-5);
        assertEquals(1.0 / 13, answer.getDouble("[1].score"), 1e-5);

        JsonPath two = HubApi.as(null).contentType("application/json")
                .body(Map.of("inputs", List.of("a [MASK] movie", "[MASK] awful movie"), "parameters", Map.of("top_k", 1)))
                .post("/models/" + FILL + "/pipeline/fill-mask").then().statusCode(200).extract().jsonPath();
        assertEquals(2, two.getList("$").size(), two.prettify());
        assertEquals("good awful movie", two.getString("[1][0].sequence"));

        HubApi.as(null).contentType("application/json").body(Map.of("inputs", "a good movie")).post("/models/" + FILL)
                .then().statusCode(400).body("error", org.hamcrest.Matchers.containsString("no mask token [MASK]"));
    }

    @Test
    @Order(7)
    void audioClassificationOfAModelhubAudioModel() throws Exception {
        startServingRunner();
        InferenceModels.audioClassifier(SOUNDS.substring("admin/".length())).create();
        // a clip at 8 kHz; the model reads 16 kHz, so the runner resamples it as training does
        byte[] clip = InferenceModels.wav(8000, 4000);
        JsonPath answer = awaitAnswer(() -> HubApi.as(null).contentType("audio/wav").body(clip).post("/models/" + SOUNDS));
        assertEquals(List.of("yes", "no"), answer.getList("label", String.class), answer.prettify());
        assertEquals(0.75, answer.getDouble("[0].score"), 1e-5);
        assertEquals(0.25, answer.getDouble("[1].score"), 1e-5);

        // with parameters InferenceClient sends the audio as base64 JSON
        JsonPath top1 = HubApi.as(null).contentType("application/json")
                .body(Map.of("inputs", Base64.getEncoder().encodeToString(clip), "parameters",
                        Map.of("top_k", 1, "function_to_apply", "none")))
                .post("/models/" + SOUNDS + "/pipeline/audio-classification").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("yes"), top1.getList("label", String.class), top1.prettify());
        assertEquals(Math.log(3), top1.getDouble("[0].score"), 1e-5);

        HubApi.as(null).contentType("audio/mpeg").body("ID3 this is no wave".getBytes()).post("/models/" + SOUNDS)
                .then().statusCode(400).body("error", org.hamcrest.Matchers.containsString("reads WAV"));
        HubApi.as(null).contentType("application/json").body(Map.of("inputs", List.of("a text")))
                .post("/models/" + SOUNDS).then().statusCode(400).body("error", org.hamcrest.Matchers.containsString("reads audio"));
    }

    /**
     * The real {@code @huggingface/inference} InferenceClient (npm, the HF JavaScript client) pointed at this hub with
     * {@code client.endpoint(<hub>/models/<id>)}: each task goes through the client's own request building and its
     * validation of the answer's shape, and gives what the API answers a plain HTTP call with the same input.
     */
    @Test
    @Order(8)
    void theRealInferenceClientOfHuggingFaceGetsTheApisAnswers() throws Exception {
        startServingRunner(); // FILL and SOUNDS are made by the fill-mask and audio tests before this one
        Path png = java.nio.file.Files.write(tmp.resolve("red.png"), InferenceModels.png(Color.RED));
        Path wav = java.nio.file.Files.write(tmp.resolve("clip.wav"), InferenceModels.wav(16000, 8000));
        Map<String, Object> pair = Map.of("source_sentence", "A man is playing a guitar.",
                "sentences", List.of("Someone plays an acoustic guitar.", "The stock market fell sharply today."));
        List<Map<String, Object>> plan = List.of(
                Map.of("id", "text-classification", "method", "textClassification", "model", SENTIMENT,
                        "args", Map.of("inputs", "a good movie")),
                Map.of("id", "feature-extraction", "method", "featureExtraction", "model", MINILM,
                        "args", Map.of("inputs", "A man is playing a guitar.")),
                Map.of("id", "sentence-similarity", "method", "sentenceSimilarity", "model", MINILM,
                        "args", Map.of("inputs", pair)),
                Map.of("id", "fill-mask", "method", "fillMask", "model", FILL, "args", Map.of("inputs", "a [MASK] movie")),
                Map.of("id", "image-classification", "method", "imageClassification", "model", COLOURS,
                        "args", Map.of(), "file", png.toString()),
                Map.of("id", "audio-classification", "method", "audioClassification", "model", SOUNDS,
                        "args", Map.of(), "file", wav.toString()));
        // the answers a plain HTTP call gets, which also waits until every model is loaded on the runner
        Map<String, com.fasterxml.jackson.databind.JsonNode> expected = new java.util.TreeMap<>();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (Map<String, Object> call : plan) {
            String model = (String) call.get("model");
            java.util.concurrent.Callable<Response> http = call.containsKey("file")
                    ? () -> HubApi.as(null).contentType("application/octet-stream")
                            .body(java.nio.file.Files.readAllBytes(Path.of((String) call.get("file")))).post("/models/" + model)
                    : () -> HubApi.as(null).contentType("application/json").body(call.get("args")).post("/models/" + model);
            com.fasterxml.jackson.databind.JsonNode answer = json.readTree(awaitAnswer(http).prettify());
            // the client unwraps text-classification's one-text answer (a list per text) to the text's list
            expected.put((String) call.get("id"), call.get("id").equals("text-classification") ? answer.get(0) : answer);
        }
        Path planFile = tmp.resolve("inference-plan.json");
        json.writeValue(planFile.toFile(), plan);
        String out = io.modelhub.testing.JsClient.script("inference-client.mjs", base, null, Map.of(), planFile.toString());
        Map<String, com.fasterxml.jackson.databind.JsonNode> got = new java.util.TreeMap<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("RESULT ")) {
                com.fasterxml.jackson.databind.JsonNode result = json.readTree(line.substring("RESULT ".length()));
                got.put(result.get("id").asText(), result.get("output"));
            }
        }
        assertEquals(expected.keySet(), got.keySet(), out);
        for (String task : expected.keySet()) {
            assertSameAnswer(task, expected.get(task), got.get(task));
        }
    }

    /** Same shape, same strings, numbers within 1e-5 (a request batched with others may differ in the last bits). */
    private static void assertSameAnswer(String where, com.fasterxml.jackson.databind.JsonNode expected,
                                         com.fasterxml.jackson.databind.JsonNode actual) {
        if (expected.isNumber()) {
            assertTrue(actual.isNumber(), where + ": " + actual + " is not a number");
            assertEquals(expected.asDouble(), actual.asDouble(), 1e-5, where);
        } else if (expected.isContainerNode()) {
            assertEquals(expected.size(), actual.size(), where + ": " + actual);
            assertEquals(expected.isArray(), actual.isArray(), where);
            if (expected.isArray()) {
                for (int i = 0; i < expected.size(); i++) {
                    assertSameAnswer(where + "[" + i + "]", expected.get(i), actual.get(i));
                }
            } else {
                expected.fieldNames().forEachRemaining(f -> assertSameAnswer(where + "." + f, expected.get(f), actual.get(f)));
            }
        } else {
            assertEquals(expected, actual, where);
        }
    }

    private static List<Float> toList(float[] values) {
        List<Float> out = new java.util.ArrayList<>();
        for (float v : values) {
            out.add(v);
        }
        return out;
    }

    private static float[] toArray(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    // ---- the serving runner ----

    private void startServingRunner() throws Exception {
        if (runner == null) {
            runner = RunnerProcess.start(base.toString().replaceAll("/$", ""), "serving", tmp.resolve("runner"),
                    HubApi.issueRunnerCredential("serving"), Map.of("MODELHUB_RUNNER_SERVE", "1"));
            runner.awaitRegistration();
        }
    }

    /** The first call after the runner starts may find its serving loop not polling yet (503 no_serving_runner). */
    private JsonPath awaitAnswer(java.util.concurrent.Callable<Response> call) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Response r = call.call();
            boolean notYet = r.statusCode() == 503 && "no_serving_runner".equals(r.jsonPath().getString("reason"));
            if (!notYet || System.nanoTime() > deadline) {
                assertEquals(200, r.statusCode(), r.asString() + "\n" + runner.output());
                return r.jsonPath();
            }
            Thread.sleep(200);
        }
    }

    // ---- the models ----

    private static synchronized void createModels() throws Exception {
        if (created) {
            return;
        }
        InferenceModels.colourClassifier(COLOURS.substring("admin/".length())).create();
        InferenceModels.bertClassifier(SENTIMENT.substring("admin/".length()), false).create();
        InferenceModels.bertClassifier(SECRET.substring("admin/".length()), false).privateRepo().create();
        created = true;
    }

    // ---- the reference: ONNX Runtime on MiniLM's original export ----

    /** Mean of the last hidden state over the text's tokens (what all-MiniLM-L6-v2's pooling does). */
    private static float[] onnxSentenceEmbedding(Path minilm, String text) throws Exception {
        long[] ids;
        long[] mask;
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(minilm.resolve("tokenizer.json"))) {
            Encoding encoding = tokenizer.encode(text);
            ids = encoding.getIds();
            mask = encoding.getAttentionMask();
        }
        byte[] onnx;
        try (InputStream in = InferenceEndToEndTest.class.getClassLoader().getResourceAsStream(OnnxBertImport.MINILM_ONNX)) {
            onnx = in.readAllBytes();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = {1, ids.length};
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = env.createSession(onnx, options);
                 OnnxTensor inputIds = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
                 OnnxTensor attention = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                 OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[ids.length]), shape);
                 OrtSession.Result result = session.run(Map.of("input_ids", inputIds, "attention_mask", attention,
                         "token_type_ids", types))) {
                float[][] states = ((float[][][]) result.get("last_hidden_state").orElseThrow().getValue())[0];
                float[] mean = new float[states[0].length];
                for (float[] token : states) {
                    for (int i = 0; i < mean.length; i++) {
                        mean[i] += token[i] / states.length;
                    }
                }
                return mean;
            }
        }
    }

    private static double cosine(List<Float> a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < b.length; i++) {
            dot += a.get(i) * b[i];
            na += a.get(i) * a.get(i);
            nb += b[i] * (double) b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
