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
}
