package io.modelhub.demo;

import io.modelhub.storage.imports.OnnxBertImport;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.RealModelsProfile;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo's real pretrained model as the hub sees it once imported: a BERT the catalog, the Fine-tune form and the
 * job validation recognise, with its card. Its fine-tune runs through the queue in DemoCatalogIT.
 */
@QuarkusTest
@TestProfile(RealModelsProfile.class)
class DemoPretrainedModelTest {
    @Inject
    DemoCatalog catalog;

    @Test
    void miniLmIsImportedFromTheShippedOnnxExportWithItsCard() {
        long t0 = System.nanoTime();
        catalog.importMiniLm(catalog.demoViewer());
        System.out.printf("demo/all-minilm-l6-v2 imported in %d ms%n", (System.nanoTime() - t0) / 1_000_000);

        JsonPath info = HubApi.asAdmin().get("/api/models/demo/" + DemoCatalog.MINILM).then().statusCode(200).extract().jsonPath();
        assertEquals("bert", info.getString("config.model_type"), info.prettify());
        assertEquals(22_565_376L, info.getLong("safetensors.total"));
        assertEquals("sentence-similarity", info.getString("pipeline_tag"));
        assertEquals("apache-2.0", info.getString("cardData.license"));
        assertEquals("sentence-transformers", info.getString("library_name"));
        assertTrue(info.getList("siblings.rfilename", String.class).containsAll(List.of("config.json", "model.safetensors",
                "tokenizer.json", "tokenizer_config.json", "modules.json", "1_Pooling/config.json", "README.md")), info.prettify());
        String card = HubApi.asAdmin().get("/demo/" + DemoCatalog.MINILM + "/resolve/main/README.md").then().statusCode(200)
                .extract().asString();
        assertTrue(card.contains(OnnxBertImport.MINILM_ARTIFACT), "the card says where the weights come from: " + card);
        assertTrue(card.contains("demo/topics-minilm-classifier"), card);
    }

    @Test
    void itsFineTuneComesAfterTheSmallModels() {
        DemoCatalog.DemoModel fineTune = DemoCatalog.pretrainedFineTunes().get(0);
        assertEquals(List.of(DemoCatalog.MINILM), fineTune.inputs());
        assertEquals("text-classification", fineTune.recipe());
        assertTrue(DemoCatalog.models().stream().noneMatch(m -> m.inputs().contains(DemoCatalog.MINILM)),
                "no small model waits on the 22.6M-parameter encoder");
    }
}
