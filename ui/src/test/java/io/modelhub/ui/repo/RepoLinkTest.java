package io.modelhub.ui.repo;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.Span;
import io.modelhub.repos.RepoType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** A model card's base_model and datasets link only to repositories of this hub. */
class RepoLinkTest {

    @Test
    void repoIdsLinkHereAndAnythingElseIsText() {
        Component model = RepoView.repoLink(RepoType.MODEL, "acme/bert-base");
        assertEquals("/acme/bert-base", assertInstanceOf(Anchor.class, model).getHref());
        assertEquals("/datasets/acme/mail", assertInstanceOf(Anchor.class, RepoView.repoLink(RepoType.DATASET, "acme/mail")).getHref());
        for (String hostile : new String[] {"/evil.example", "//evil.example/x", "https://evil.example/a", "a/../../b", "bert-base-uncased"}) {
            assertEquals(hostile, assertInstanceOf(Span.class, RepoView.repoLink(RepoType.MODEL, hostile), hostile).getText());
        }
    }
}
