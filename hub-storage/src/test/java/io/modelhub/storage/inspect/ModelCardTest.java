package io.modelhub.storage.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCardTest {

    @Test
    void frontMatterInListForm() throws InspectionException {
        ModelCard card = ModelCard.parse("""
                ---
                license: apache-2.0
                language:
                  - en
                  - de
                datasets: [squad, glue]
                base_model:
                  - bert-base-uncased
                tags: [fill-mask, bert]
                pipeline_tag: fill-mask
                library_name: transformers
                model-index:
                  - name: tiny-bert
                    results: []
                ---
                # Tiny BERT

                A small model.
                """);

        assertEquals("apache-2.0", card.license());
        assertEquals(List.of("en", "de"), card.languages());
        assertEquals(List.of("squad", "glue"), card.datasets());
        assertEquals(List.of("bert-base-uncased"), card.baseModels());
        assertEquals(List.of("fill-mask", "bert"), card.tags());
        assertEquals("fill-mask", card.pipelineTag());
        assertEquals("transformers", card.libraryName());
        assertEquals(List.of(Map.of("name", "tiny-bert", "results", List.of())), card.modelIndex());
        assertEquals("# Tiny BERT\n\nA small model.", card.body());
    }

    @Test
    void frontMatterInStringForm() throws InspectionException {
        ModelCard card = ModelCard.parse("---\nlanguage: en\ndatasets: squad\nbase_model: gpt2\ntags: demo\n"
                + "license: mit\n---\nbody\n");

        assertEquals(List.of("en"), card.languages());
        assertEquals(List.of("squad"), card.datasets());
        assertEquals(List.of("gpt2"), card.baseModels());
        assertEquals(List.of("demo"), card.tags());
        assertEquals("mit", card.license());
        assertNull(card.pipelineTag());
    }

    @Test
    void norwegianIsNotFalse() throws InspectionException {
        assertEquals(List.of("nb", "no"), ModelCard.parse("---\nlanguage: [nb, no]\n---\n").languages());
    }

    @Test
    void withoutFrontMatter() throws InspectionException {
        ModelCard card = ModelCard.parse("# Title\n\nText.\n\n---\n\nMore.");

        assertEquals(Map.of(), card.frontMatter());
        assertEquals(List.of(), card.tags());
        assertNull(card.license());
        assertTrue(card.body().startsWith("# Title"));
        assertTrue(card.bodyHtml().contains("<hr />"));
    }

    @Test
    void invalidYamlNamesTheLine() {
        InspectionException e = assertThrows(InspectionException.class,
                () -> ModelCard.parse("---\nlicense: mit\ntags: [a, b\n---\nbody"));

        assertTrue(e.getMessage().startsWith("README.md front matter is not valid YAML: "), e.getMessage());
        assertTrue(e.getMessage().contains("at line 3, column 12"), e.getMessage());
    }

    @Test
    void frontMatterMustBeAMapping() {
        InspectionException e = assertThrows(InspectionException.class,
                () -> ModelCard.parse("---\n- a\n- b\n---\n"));

        assertEquals("README.md front matter must be a YAML mapping of keys to values, not a list", e.getMessage());
    }

    @Test
    void unclosedFrontMatter() {
        assertThrows(InspectionException.class, () -> ModelCard.parse("---\nlicense: mit\n\n# Title\n"));
    }

    @Test
    void yamlCannotBuildJavaObjects() {
        InspectionException e = assertThrows(InspectionException.class,
                () -> ModelCard.parse("---\nx: !!javax.script.ScriptEngineManager []\n---\n"));

        assertTrue(e.getMessage().startsWith("README.md front matter is not valid YAML: "), e.getMessage());
    }

    @Test
    void aliasBombsAreRefused() {
        StringBuilder yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 30; i++) {
            yaml.append("a").append(i).append(": &a").append(i).append(" [");
            yaml.append(String.join(", ", Collections.nCopies(9, "*a" + (i - 1)))).append("]\n");
        }

        assertThrows(InspectionException.class, () -> ModelCard.parse("---\n" + yaml + "---\n"));
    }

    @Test
    void rawHtmlIsEscaped() throws InspectionException {
        String html = ModelCard.parse("""
                Hello <img src=x onerror=alert(1)> world

                <script>alert(document.cookie)</script>
                """).bodyHtml();

        assertFalse(html.contains("<script"), html);
        assertFalse(html.contains("<img"), html);
        assertTrue(html.contains("&lt;script&gt;"), html);
    }

    @Test
    void dangerousUrlsAreDropped() throws InspectionException {
        String html = ModelCard.parse("""
                [click](javascript:alert(1)) ![pic](javascript:alert(2)) [data](data:text/html;base64,PHNjcmlwdD4=)

                [docs](https://example.org/docs)
                """).bodyHtml();

        assertFalse(html.toLowerCase().contains("javascript:"), html);
        assertFalse(html.contains("data:text/html"), html);
        assertTrue(html.contains("href=\"https://example.org/docs\""), html);
        assertTrue(html.contains("rel=\"nofollow noopener noreferrer\""), html);
    }

    @Test
    void gfmTables() throws InspectionException {
        String html = ModelCard.parse("| metric | value |\n|---|---|\n| f1 | 0.9 |\n").bodyHtml();

        assertTrue(html.contains("<table>") && html.contains("<td>0.9</td>"), html);
    }

    @Test
    void summaryIsTheProse() throws InspectionException {
        ModelCard card = ModelCard.parse("""
                ---
                license: mit
                ---
                # tiny-bert

                [![CI](https://example.org/badge.svg)](https://example.org)

                A *small* BERT for `fill-mask`,
                trained on very little data.

                ```python
                print("not prose")
                ```

                | a | b |
                |---|---|
                | 1 | 2 |

                Second paragraph.
                """);

        assertEquals("A small BERT for fill-mask, trained on very little data. Second paragraph.",
                card.summary(200));
        String cut = card.summary(30);
        assertEquals("A small BERT for fill-mask,…", cut);
        assertTrue(cut.length() <= 30);
    }
}
