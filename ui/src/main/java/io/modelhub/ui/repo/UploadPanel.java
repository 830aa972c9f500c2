package io.modelhub.ui.repo;

import io.modelhub.commits.CommitService;
import io.modelhub.commits.FileChange;
import io.modelhub.commits.RepoPaths;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ModelHubConfig;
import io.modelhub.repos.Repo;
import io.modelhub.storage.blobs.StoredBlob;
import io.modelhub.ui.Formats;
import io.modelhub.ui.UiErrors;
import io.modelhub.ui.UiSession;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.component.upload.Upload;
import com.vaadin.flow.server.streams.UploadHandler;
import jakarta.enterprise.context.Dependent;
import jakarta.inject.Inject;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Upload files into a repository. The browser sends each file (its progress bar shows the transfer) to a
 * temporary file; from there it streams into the object store. Nothing is visible in the repository until
 * "Commit" makes all pending files one commit.
 */
@Dependent
public class UploadPanel extends VerticalLayout {
    private final CommitService commits;
    private final List<FileChange.Put> pending = Collections.synchronizedList(new ArrayList<>());
    private final Grid<FileChange.Put> pendingGrid = new Grid<>();
    private final TextField folder = new TextField("Folder (optional)");
    private final TextField summary = new TextField("Commit summary");
    private final Button commit = new Button("Commit");
    private Repo repo;
    private Runnable onCommitted;

    @Inject
    public UploadPanel(CommitService commits, ModelHubConfig config) {
        this.commits = commits;
        Upload upload = new Upload(UploadHandler.toTempFile((metadata, file) -> receive(metadata.fileName(), file)));
        upload.setId("file-upload");
        // The browser refuses larger files up front where the limit fits its int; the server checks every size.
        if (config.upload().maxFileBytes() <= Integer.MAX_VALUE) {
            upload.setMaxFileSize((int) config.upload().maxFileBytes());
        }
        upload.setDropLabel(new com.vaadin.flow.component.html.Span("Drop files here (each is checked and hashed on arrival)"));
        folder.setPlaceholder("e.g. checkpoints");
        folder.setId("upload-folder");
        summary.setPlaceholder("Upload files");
        summary.setId("commit-summary");
        summary.setWidth("30em");
        pendingGrid.addColumn(FileChange.Put::path).setHeader("Pending file").setFlexGrow(3);
        pendingGrid.addColumn(p -> Formats.bytes(p.blob().size())).setHeader("Size");
        pendingGrid.addColumn(p -> p.blob().sha256().substring(0, 12)).setHeader("sha256");
        pendingGrid.setAllRowsVisible(true);
        pendingGrid.setId("pending-grid");
        commit.setId("commit-upload");
        commit.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        commit.setEnabled(false);
        commit.addClickListener(e -> commitPending());
        add(new Paragraph("Files become visible only when you commit them, all in one commit."),
                folder, upload, pendingGrid, summary, commit);
    }

    void bind(Repo repo, Runnable onCommitted) {
        this.repo = repo;
        this.onCommitted = onCommitted;
    }

    private void receive(String fileName, File file) {
        UI ui = UI.getCurrent();
        try {
            String prefix = folder.getValue().isBlank() ? "" : RepoPaths.folderPrefix(folder.getValue().trim());
            String path = RepoPaths.check(prefix + fileName);
            StoredBlob blob;
            try (InputStream in = Files.newInputStream(file.toPath())) {
                blob = commits.store(in, file.length(), UiSession.viewer());
            }
            pending.removeIf(p -> p.path().equals(path));
            pending.add(new FileChange.Put(path, blob));
            ui.access(this::refreshPending);
        } catch (ApiException e) {
            ui.access(() -> UiErrors.show(fileName + ": " + e.getMessage()));
        } catch (IOException e) {
            ui.access(() -> UiErrors.show(fileName + ": upload failed (" + e.getMessage() + ")"));
        } finally {
            file.delete();
        }
    }

    private void refreshPending() {
        pendingGrid.setItems(List.copyOf(pending));
        commit.setEnabled(!pending.isEmpty());
        commit.setText("Commit " + pending.size() + (pending.size() == 1 ? " file" : " files"));
    }

    private void commitPending() {
        List<FileChange> changes = List.copyOf(pending);
        String title = summary.getValue().isBlank()
                ? (changes.size() == 1 ? "Upload " + changes.get(0).path() : "Upload " + changes.size() + " files")
                : summary.getValue();
        commits.commit(repo, CommitService.DEFAULT_BRANCH, null, changes, title, "", UiSession.viewer());
        pending.clear();
        refreshPending();
        UiErrors.success("Committed " + changes.size() + (changes.size() == 1 ? " file" : " files"));
        onCommitted.run();
    }
}
