package io.modelhub.ui.accounts;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.AccountService;
import io.modelhub.platform.ApiException;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiErrors;
import io.modelhub.ui.UiSession;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.checkbox.Checkbox;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.PasswordField;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import jakarta.inject.Inject;

/** Admins create the accounts of their team here. */
@Route(value = "settings/users", layout = MainLayout.class)
@PageTitle("Users · ModelHub")
public class UsersView extends VerticalLayout implements BeforeEnterObserver {
    private final AccountService accounts;
    private final Grid<Account> grid = new Grid<>();

    @Inject
    public UsersView(AccountService accounts) {
        this.accounts = accounts;
        TextField username = new TextField("Username");
        username.setId("new-username");
        PasswordField password = new PasswordField("Password");
        password.setId("new-password");
        password.setHelperText("At least 8 characters");
        TextField fullname = new TextField("Full name");
        Checkbox admin = new Checkbox("Admin");
        Button create = new Button("Create user", e -> {
            try {
                accounts.createUser(username.getValue().trim(), password.getValue(), fullname.getValue(), null, admin.getValue());
                UiErrors.success("Created " + username.getValue());
                username.clear();
                password.clear();
                fullname.clear();
                admin.clear();
                grid.setItems(accounts.users());
            } catch (ApiException ex) {
                UiErrors.show(ex.getMessage());
            }
        });
        create.setId("create-user");
        create.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        HorizontalLayout form = new HorizontalLayout(username, password, fullname, admin, create);
        form.setAlignItems(FlexComponent.Alignment.BASELINE);
        form.setWrap(true);
        grid.addColumn(a -> a.username).setHeader("Username");
        grid.addColumn(a -> a.fullname).setHeader("Name");
        grid.addColumn(a -> a.admin ? "admin" : "").setHeader("Role");
        grid.addColumn(a -> a.createdAt).setHeader("Created");
        grid.setAllRowsVisible(true);
        add(new H2("Users"), form, grid);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        if (!UiSession.viewer().admin()) {
            event.forwardTo("login");
            return;
        }
        grid.setItems(accounts.users());
    }
}
