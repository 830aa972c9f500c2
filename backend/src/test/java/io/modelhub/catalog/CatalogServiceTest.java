package io.modelhub.catalog;

import io.modelhub.accounts.Viewer;
import io.modelhub.repos.Repo;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.Safetensors;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Metadata derived at commit time, and the catalog's search, filters and sorts over it. */
@QuarkusTest
class CatalogServiceTest {
    @Inject
    CatalogService catalog;

    static boolean created;

    @BeforeEach
    void createModelsOnce() {
        if (created) {
            return;
        }
        created = true;
        HubApi.model("catalog-vision-small")
                .file("README.md", HubApi.readme("license: apache-2.0\npipeline_tag: image-classification\nlibrary_name: djl\n"
                        + "tags: [catalog-test]\nbase_model: admin/catalog-text-large", "A small convolutional classifier of zebras."))
                .file("model.safetensors", Safetensors.builder().tensor("conv.weight", "F32", 8, 3, 3, 3).build())
                .create();
        HubApi.model("catalog-text-large")
                .file("README.md", HubApi.readme("license: mit\nlanguage: [en, de]\ntags: [catalog-test]", "Encoder for sentences."))
                .file("config.json", "{\"architectures\":[\"BertModel\"],\"model_type\":\"bert\"}")
                .file("model-00001.safetensors", Safetensors.builder().tensor("a", "F16", 1000, 100).build())
                .file("model-00002.safetensors", Safetensors.builder().tensor("b", "F32", 500, 100).build())
                .create();
    }

    private List<String> ids(CatalogQuery q) {
        return catalog.search(Viewer.ANONYMOUS, q).items().stream().map(Repo::fullId).toList();
    }

    @Test
    void derivesMetadataFromCardConfigAndWeights() {
        Repo text = catalog.search(Viewer.ANONYMOUS, CatalogQuery.models().withIdContains("catalog-text-large")).items().get(0);
        assertEquals(150_000L, text.parameters, "shards are summed");
        assertEquals(100_000L, text.dtypeParameters.get("F16"));
        assertEquals("text", text.modality, "from model_type bert");
        assertEquals(List.of("en", "de"), text.languages);
        Repo vision = catalog.search(Viewer.ANONYMOUS, CatalogQuery.models().withIdContains("catalog-vision-small")).items().get(0);
        assertEquals("vision", vision.modality, "from pipeline_tag image-classification");
        assertEquals(List.of("admin/catalog-text-large"), vision.baseModels);
        assertEquals("apache-2.0", vision.license);
    }

    @Test
    void fullTextFindsCardWordsAndNameFragments() {
        assertEquals(List.of("admin/catalog-vision-small"), ids(CatalogQuery.models().withText("zebras")));
        assertTrue(ids(CatalogQuery.models().withText("catalog-text")).contains("admin/catalog-text-large"));
        assertTrue(ids(CatalogQuery.models().withText("sentence")).contains("admin/catalog-text-large"), "stemmed");
    }

    @Test
    void filtersAndSorts() {
        CatalogQuery tagged = CatalogQuery.models().withFilters(null, null, null, null, "catalog-test", null);
        assertEquals(List.of("admin/catalog-vision-small"), ids(tagged.withFilters("vision", null, null, null, "catalog-test", null)));
        assertEquals(List.of("admin/catalog-text-large"), ids(tagged.withFilters(null, null, null, "mit", "catalog-test", null)));
        assertEquals(List.of("admin/catalog-text-large", "admin/catalog-vision-small"),
                ids(tagged.withSort(CatalogQuery.Sort.PARAMETERS)));
        assertEquals(2, catalog.count(Viewer.ANONYMOUS, tagged).total());
        assertFalse(catalog.facet("license", io.modelhub.repos.RepoType.MODEL).isEmpty());
    }

    /**
     * Without a pipeline_tag on the card, the catalog derives it from config.json (and modules.json), and the task
     * filter of the HF listing finds the models by it; a card's own tag still wins.
     */
    @Test
    void pipelineTagsFromConfigWhenTheCardHasNone() {
        HubApi.model("catalog-derived-clip")
                .file("README.md", HubApi.readme("tags: [catalog-derived]", "A dual encoder."))
                .file("config.json", "{\"architectures\":[\"ModelHubMultimodalDualEncoder\"],\"model_type\":\"modelhub-dual-encoder\","
                        + "\"modalities\":[\"text\",\"vision\"],\"projection_size\":4}")
                .create();
        HubApi.model("catalog-derived-classifier")
                .file("config.json", "{\"architectures\":[\"BertForSequenceClassification\"],\"model_type\":\"bert\"}")
                .create();
        HubApi.model("catalog-derived-sentences")
                .file("config.json", "{\"architectures\":[\"BertModel\"],\"model_type\":\"bert\"}")
                .file("modules.json", "[]")
                .create();
        HubApi.model("catalog-derived-carded")
                .file("README.md", HubApi.readme("pipeline_tag: fill-mask", "Says fill-mask."))
                .file("config.json", "{\"architectures\":[\"BertForSequenceClassification\"],\"model_type\":\"bert\"}")
                .create();
        assertEquals(List.of("admin/catalog-derived-clip"), listed("zero-shot-image-classification", "catalog-derived"));
        assertEquals(List.of("admin/catalog-derived-classifier"), listed("text-classification", "catalog-derived"));
        assertEquals(List.of("admin/catalog-derived-sentences"), listed("sentence-similarity", "catalog-derived"));
        assertEquals(List.of("admin/catalog-derived-carded"), listed("fill-mask", "catalog-derived"));
        assertEquals("zero-shot-image-classification", HubApi.as(null).get("/api/models/admin/catalog-derived-clip")
                .then().statusCode(200).extract().jsonPath().getString("pipeline_tag"));
        assertEquals("multimodal",
                catalog.search(Viewer.ANONYMOUS, CatalogQuery.models().withIdContains("catalog-derived-clip")).items().get(0).modality);
    }

    private static List<String> listed(String pipelineTag, String search) {
        return HubApi.as(null).queryParam("pipeline_tag", pipelineTag).queryParam("search", search).get("/api/models")
                .then().statusCode(200).extract().jsonPath().getList("id");
    }
}
