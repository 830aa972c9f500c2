package io.modelhub.ui.accounts;

import io.modelhub.accounts.AccountService;
import io.modelhub.ui.UiSession;
import com.vaadin.flow.component.login.LoginForm;
import com.vaadin.flow.component.login.LoginI18n;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import jakarta.inject.Inject;

import java.util.List;

@Route("login")
@PageTitle("Sign in · ModelHub")
public class LoginView extends VerticalLayout implements BeforeEnterObserver {
    private String next = "";

    @Inject
    public LoginView(AccountService accounts) {
        LoginForm form = new LoginForm();
        form.setForgotPasswordButtonVisible(false);
        form.addLoginListener(e -> {
            String address = com.vaadin.flow.server.VaadinRequest.getCurrent() == null ? null
                    : com.vaadin.flow.server.VaadinRequest.getCurrent().getRemoteAddr();
            try {
                accounts.signIn(e.getUsername(), e.getPassword(), address).ifPresentOrElse(account -> {
                    UiSession.signIn(account);
                    getUI().ifPresent(ui -> ui.getPage().setLocation("/" + next));
                }, () -> showError(form, "Incorrect username or password", "Check them and try again."));
            } catch (io.modelhub.platform.ApiException throttled) {
                showError(form, "Sign-in paused", throttled.getMessage());
            }
        });
        setSizeFull();
        setAlignItems(FlexComponent.Alignment.CENTER);
        setJustifyContentMode(FlexComponent.JustifyContentMode.CENTER);
        add(form);
    }

    private static void showError(LoginForm form, String title, String message) {
        LoginI18n i18n = LoginI18n.createDefault();
        i18n.getErrorMessage().setTitle(title);
        i18n.getErrorMessage().setMessage(message);
        form.setI18n(i18n);
        form.setError(true);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        List<String> values = event.getLocation().getQueryParameters().getParameters().getOrDefault("next", List.of());
        // Only a path inside the hub: an absolute URL here would make the login page an open redirect.
        next = values.isEmpty() || !values.get(0).matches("^[A-Za-z0-9/_.?=&-]*$") || values.get(0).startsWith("/")
                ? "" : values.get(0);
    }
}
