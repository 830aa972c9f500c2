package io.modelhub.ui.widget;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.dom.Element;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The widget's pieces without a browser: card examples, where a src may come from, how answers are shown. */
class WidgetPartsTest {
    @Test
    void cardExamplesInHuggingFacesFormat() {
        Map<String, Object> card = Map.of("widget", List.of(
                Map.of("text", "I like you. I love you", "example_title", "Love"),
                Map.of("text", "  a text far too long to be its own title, so it is shortened  "),
                Map.of("src", "https://huggingface.co/datasets/mishig/sample_images/resolve/main/tiger.jpg"),
                Map.of("source_sentence", "a shape this widget does not take"),
                "not a map"));
        List<WidgetExamples.Example> examples = WidgetExamples.of(card);
        assertEquals(3, examples.size(), examples.toString());
        assertEquals(new WidgetExamples.Example("Love", "I like you. I love you", null), examples.get(0));
        assertEquals("a text far too long to be its own title…", examples.get(1).title());
        assertEquals("tiger.jpg", examples.get(2).title());
        assertTrue(WidgetExamples.of(Map.of()).isEmpty());
        assertTrue(WidgetExamples.of(Map.of("widget", "text: not a list")).isEmpty());
    }

    @Test
    void anExampleFileComesOnlyFromTheModelsOwnRepository() {
        assertEquals(Optional.of("samples/cat.png"), WidgetExamples.repoPath("samples/cat.png", "alice/vit"));
        assertEquals(Optional.of("cat.png"), WidgetExamples.repoPath("./cat.png", "alice/vit"));
        assertEquals(Optional.of("samples/cat.png"),
                WidgetExamples.repoPath("https://hub.example/alice/vit/resolve/main/samples/cat.png", "alice/vit"));
        assertEquals(Optional.of("cat.png"), WidgetExamples.repoPath("/alice/vit/resolve/v1.0/cat.png", "alice/vit"));
        assertEquals(Optional.empty(), WidgetExamples.repoPath("https://hub.example/bob/other/resolve/main/cat.png", "alice/vit"));
        assertEquals(Optional.empty(), WidgetExamples.repoPath("https://evil.example/cat.png", "alice/vit"));
        assertEquals(Optional.empty(), WidgetExamples.repoPath("../../etc/passwd", "alice/vit"));
        assertEquals(Optional.empty(), WidgetExamples.repoPath("/etc/passwd", "alice/vit"));
    }

    @Test
    void classificationAnswersBecomeLabelledBarsInTheirOrder() {
        List<Map<String, Object>> scores = List.of(Map.of("label", "spam", "score", 0.9), Map.of("label", "ham", "score", 0.1));
        for (Object answer : List.of(scores, List.of(scores))) {
            List<Element> rows = new LabelScores().render(answer).getElement().getChildren().toList();
            assertEquals(List.of("spam", "ham"), rows.stream().map(r -> r.getAttribute("data-label")).toList());
            assertEquals(List.of("0.9", "0.1"), rows.stream().map(r -> r.getAttribute("data-score")).toList());
            assertEquals("0.900", rows.get(0).getChild(1).getText());
        }
        Component fillMask = new LabelScores().render(List.of(Map.of("token_str", "capital", "score", 0.7, "sequence", "paris is the capital")));
        assertEquals("capital", fillMask.getElement().getChild(0).getAttribute("data-label"));
        List<Element> similarities = new LabelScores().render(List.of(0.65, -0.04)).getElement().getChildren().toList();
        assertEquals(List.of("sentence 1", "sentence 2"), similarities.stream().map(r -> r.getAttribute("data-label")).toList());
        assertEquals("-0.040", similarities.get(1).getChild(1).getText());
        assertThrows(IllegalArgumentException.class, () -> new LabelScores().render(Map.of("error", "x")));
        assertThrows(IllegalArgumentException.class, () -> new LabelScores().render(List.of(Map.of("label", "no score"))));
    }

    @Test
    void embeddingsAreSummarisedByShapeAndFirstValues() {
        Element sentence = new VectorSummary().render(List.of(0.5, -0.25, 1.0, 0.0, 2.0, 3.0, 4.0, 5.0)).getElement();
        assertEquals("8 dimensions · first values: 0.5000, -0.2500, 1.0000, 0.0000, 2.0000, 3.0000, …", sentence.getText());
        Element tokens = new VectorSummary().render(List.of(List.of(List.of(1, 2), List.of(3, 4), List.of(5, 6)))).getElement();
        assertEquals("shape 1 × 3 × 2 · first values: 1.0000, 2.0000", tokens.getText());
        assertThrows(IllegalArgumentException.class, () -> new VectorSummary().render(List.of("a", "b")));
    }

    @Test
    void pairedInputsSendTheShapesTheApiTakes() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        SentencesInput sentences = new SentencesInput();
        ((com.vaadin.flow.component.textfield.TextField) ((com.vaadin.flow.component.orderedlayout.VerticalLayout)
                sentences.component()).getComponentAt(0)).setValue("a cat");
        ((com.vaadin.flow.component.textfield.TextArea) ((com.vaadin.flow.component.orderedlayout.VerticalLayout)
                sentences.component()).getComponentAt(1)).setValue("a kitten\n\n  a truck \n");
        assertEquals(Map.of("inputs", Map.of("source_sentence", "a cat", "sentences", List.of("a kitten", "a truck"))),
                json.readValue(sentences.body().orElseThrow().bytes(), Map.class));

        LabelledImageInput image = new LabelledImageInput();
        assertTrue(image.body().isEmpty(), "no image yet");
        assertEquals("Choose an image first", image.missing());
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        image.use(new WidgetExamples.Example("cat", null, "cat.png"), new WidgetExamples.File("cat.png", "image/png", png));
        ((com.vaadin.flow.component.textfield.TextField) ((com.vaadin.flow.component.orderedlayout.VerticalLayout)
                image.component()).getComponentAt(1)).setValue(" cat, dog ,, ");
        assertEquals(Map.of("inputs", java.util.Base64.getEncoder().encodeToString(png),
                        "parameters", Map.of("candidate_labels", List.of("cat", "dog"))),
                json.readValue(image.body().orElseThrow().bytes(), Map.class));
        assertTrue(WidgetTasks.forPipelineTag("zero-shot-image-classification").isPresent());
        assertTrue(WidgetTasks.forPipelineTag("sentence-similarity").isPresent());
    }
}
