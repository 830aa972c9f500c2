package io.modelhub.ui.repo;

import io.modelhub.platform.ApiException;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiSession;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.radiobutton.RadioButtonGroup;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import jakarta.inject.Inject;

@Route(value = "new", layout = MainLayout.class)
@PageTitle("New repository · ModelHub")
public class NewRepoView extends VerticalLayout implements BeforeEnterObserver {
    private final TextField owner = new TextField("Owner");

    @Inject
    public NewRepoView(RepoService repos) {
        RadioButtonGroup<String> type = new RadioButtonGroup<>("Type");
        type.setItems("model", "dataset");
        type.setValue("model");
        owner.setReadOnly(true);
        TextField name = new TextField("Name");
        name.setId("repo-name");
        name.setPlaceholder("bert-mini");
        name.setHelperText("Letters, digits, '-', '_' and '.'");
        RadioButtonGroup<String> visibility = new RadioButtonGroup<>("Visibility");
        visibility.setItems("public", "private");
        visibility.setValue("public");
        visibility.setId("repo-visibility");
        Button create = new Button("Create repository", e -> {
            try {
                RepoName repoName = new RepoName(RepoType.fromId(type.getValue()), owner.getValue(), name.getValue().trim());
                Repo repo = repos.create(UiSession.viewer(), repoName, "private".equals(visibility.getValue()));
                getUI().ifPresent(ui -> ui.navigate("/" + repo.repoType().webPrefix() + repo.fullId()));
            } catch (ApiException ex) {
                name.setInvalid(true);
                name.setErrorMessage(ex.getMessage());
            }
        });
        create.setId("create-repo");
        create.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        setMaxWidth("40em");
        add(new H2("Create a new repository"), type, owner, name, visibility, create);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        if (UiSession.viewer().anonymous()) {
            event.forwardTo("login", com.vaadin.flow.router.QueryParameters.of("next", "new"));
            return;
        }
        owner.setValue(UiSession.viewer().username());
    }
}
