package io.modelhub.ui.accounts;

import io.modelhub.accounts.AccountService;
import io.modelhub.accounts.ApiToken;
import io.modelhub.accounts.Viewer;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiErrors;
import io.modelhub.ui.UiSession;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.radiobutton.RadioButtonGroup;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import jakarta.inject.Inject;

/** API tokens for the Hugging Face clients and scripts (HF_TOKEN). */
@Route(value = "settings/tokens", layout = MainLayout.class)
@PageTitle("Access tokens · ModelHub")
public class TokensView extends VerticalLayout implements BeforeEnterObserver {
    private final AccountService accounts;
    private final Grid<ApiToken> grid = new Grid<>();
    private final TextField created = new TextField("New token (copy it now: it is shown once)");

    @Inject
    public TokensView(AccountService accounts) {
        this.accounts = accounts;
        TextField name = new TextField("Token name");
        name.setPlaceholder("laptop");
        RadioButtonGroup<String> role = new RadioButtonGroup<>("Role");
        role.setItems("read", "write");
        role.setValue("read");
        Button create = new Button("Create token", e -> {
            Viewer v = UiSession.viewer();
            String token = accounts.createToken(v.accountId(), name.getValue(), role.getValue());
            created.setValue(token);
            created.setVisible(true);
            name.clear();
            refresh();
            UiErrors.success("Token created");
        });
        create.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        created.setReadOnly(true);
        created.setWidth("32em");
        created.setVisible(false);
        created.setId("created-token");
        HorizontalLayout form = new HorizontalLayout(name, role, create);
        form.setAlignItems(FlexComponent.Alignment.BASELINE);

        grid.addColumn(t -> t.displayName).setHeader("Name");
        grid.addColumn(t -> t.tokenHint).setHeader("Token");
        grid.addColumn(t -> t.role).setHeader("Role");
        grid.addColumn(t -> t.createdAt).setHeader("Created");
        grid.addColumn(t -> t.lastUsedAt == null ? "never" : t.lastUsedAt.toString()).setHeader("Last used");
        grid.addComponentColumn(t -> new Button("Revoke", e -> {
            accounts.revokeToken(UiSession.viewer().accountId(), t.id);
            refresh();
        })).setHeader("");
        grid.setAllRowsVisible(true);
        add(new H2("Access tokens"),
                new Paragraph("Use a token with the Hugging Face tools: HF_ENDPOINT=<this hub's URL> HF_TOKEN=<token> HF_HUB_DISABLE_XET=1."),
                form, created, grid);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        if (UiSession.viewer().anonymous()) {
            event.forwardTo("login");
            return;
        }
        refresh();
    }

    private void refresh() {
        grid.setItems(accounts.tokens(UiSession.viewer().accountId()));
    }
}
