package io.modelhub.ui.widget;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.upload.Upload;
import com.vaadin.flow.dom.Element;
import com.vaadin.flow.server.streams.UploadHandler;

import java.util.Base64;
import java.util.Optional;

/**
 * An uploaded file sent as the raw body (as {@code curl --data-binary @cat.jpg} or InferenceClient send it), with a
 * preview. One class for images and audio: they differ only in the accepted types and the preview element.
 */
public final class FileInput implements WidgetInput {
    /** The API's default body limit (quarkus.http.limits.max-body-size): the widget takes no more than a client could send. */
    static final int MAX_BYTES = 10 * 1024 * 1024;
    /** Larger files are not previewed: the preview is inlined into the page. */
    private static final int MAX_PREVIEW_BYTES = 2 * 1024 * 1024;

    private final String noun;
    private final String previewTag;
    private final VerticalLayout layout = new VerticalLayout();
    private final Div preview = new Div();
    private final Span chosen = new Span();
    private volatile Body body;

    private FileInput(String noun, String accept, String previewTag) {
        this.noun = noun;
        this.previewTag = previewTag;
        Upload upload = new Upload(UploadHandler.inMemory((metadata, bytes) ->
                choose(metadata.fileName(), metadata.contentType(), bytes)));
        upload.setId("widget-upload");
        upload.setAcceptedFileTypes(accept);
        upload.setMaxFiles(1);
        upload.setMaxFileSize(MAX_BYTES);
        upload.setDropLabel(new Span("Drop " + noun + " here"));
        // the chosen file is shown below; Upload's own list would keep the previous one too
        upload.addSucceededListener(e -> upload.clearFileList());
        chosen.setId("widget-chosen");
        preview.setId("widget-preview");
        layout.setPadding(false);
        layout.setSpacing(false);
        layout.add(upload, chosen, preview);
    }

    public static FileInput image() {
        return new FileInput("an image", "image/*", "img");
    }

    public static FileInput audio() {
        return new FileInput("an audio file", "audio/*", "audio");
    }

    @Override
    public Component component() {
        return layout;
    }

    @Override
    public Optional<Body> body() {
        return Optional.ofNullable(body);
    }

    @Override
    public String missing() {
        return "Choose " + noun + " first";
    }

    @Override
    public boolean takes(WidgetExamples.Example example) {
        return example.src() != null;
    }

    @Override
    public void use(WidgetExamples.Example example, WidgetExamples.File file) {
        choose(file.name(), file.contentType(), file.bytes());
    }

    private void choose(String name, String contentType, byte[] bytes) {
        // an unknown type still goes as bytes: the runner tells an image from anything else by its content
        String type = contentType == null || contentType.isBlank() ? "application/octet-stream" : contentType;
        body = new Body(type, bytes);
        chosen.setText(name + " (" + io.modelhub.ui.Formats.bytes(bytes.length) + ")");
        preview.getElement().removeAllChildren();
        if (bytes.length <= MAX_PREVIEW_BYTES) {
            Element element = new Element(previewTag);
            element.setAttribute("src", "data:" + type + ";base64," + Base64.getEncoder().encodeToString(bytes));
            if (previewTag.equals("audio")) {
                element.setAttribute("controls", true);
            } else {
                element.getStyle().set("max-width", "100%").set("max-height", "12em");
            }
            preview.getElement().appendChild(element);
        }
    }
}
