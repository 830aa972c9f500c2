package io.modelhub.ui.widget;

import com.vaadin.flow.component.Component;

/** How one kind of answer (the pipeline's JSON, as the API returns it) is shown. */
public interface WidgetAnswer {
    /** The answer as a component; an answer of an unexpected shape is an {@link IllegalArgumentException}. */
    Component render(Object output);
}
