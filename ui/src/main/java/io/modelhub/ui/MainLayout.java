package io.modelhub.ui;

import io.modelhub.accounts.Viewer;
import io.modelhub.ui.accounts.LoginView;
import io.modelhub.ui.accounts.TokensView;
import io.modelhub.ui.accounts.UsersView;
import io.modelhub.ui.catalog.CatalogView;
import io.modelhub.ui.repo.NewRepoView;
import com.vaadin.flow.component.applayout.AppLayout;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.router.RouterLink;

public class MainLayout extends AppLayout {

    public MainLayout() {
        Anchor brand = new Anchor("/", "ModelHub");
        brand.getStyle().set("font-weight", "700").set("font-size", "var(--lumo-font-size-l)")
                .set("text-decoration", "none").set("color", "var(--lumo-body-text-color)");
        RouterLink models = new RouterLink("Models", CatalogView.class);
        Anchor datasets = new Anchor("/?type=dataset", "Datasets");
        RouterLink benchmarks = new RouterLink("Benchmarks", io.modelhub.ui.leaderboards.BenchmarksView.class);
        RouterLink compare = new RouterLink("Compare runs", io.modelhub.ui.compare.CompareView.class);
        HorizontalLayout nav = new HorizontalLayout(brand, models, datasets);
        nav.add(new RouterLink("Jobs", io.modelhub.ui.jobs.JobsView.class), new RouterLink("Runners", io.modelhub.ui.jobs.RunnersView.class),
                benchmarks, compare);
        nav.setAlignItems(FlexComponent.Alignment.CENTER);
        nav.setSpacing(true);

        HorizontalLayout account = new HorizontalLayout();
        account.setAlignItems(FlexComponent.Alignment.CENTER);
        Viewer viewer = UiSession.viewer();
        if (viewer.anonymous()) {
            RouterLink signIn = new RouterLink("Sign in", LoginView.class);
            signIn.setId("sign-in-link");
            account.add(signIn);
        } else {
            RouterLink newRepo = new RouterLink("+ New", NewRepoView.class);
            newRepo.setId("new-repo-link");
            RouterLink tokens = new RouterLink("Tokens", TokensView.class);
            Span me = new Span(viewer.username());
            me.setId("current-user");
            Button signOut = new Button("Sign out", e -> {
                UiSession.signOut();
                getUI().ifPresent(ui -> ui.getPage().setLocation("/"));
            });
            signOut.addThemeVariants(ButtonVariant.LUMO_TERTIARY);
            account.add(newRepo, tokens);
            if (viewer.admin()) {
                account.add(new RouterLink("Users", UsersView.class));
            }
            account.add(me, signOut);
        }
        HorizontalLayout bar = new HorizontalLayout(nav, account);
        bar.setWidthFull();
        bar.setJustifyContentMode(FlexComponent.JustifyContentMode.BETWEEN);
        bar.setAlignItems(FlexComponent.Alignment.CENTER);
        bar.getStyle().set("padding", "0 var(--lumo-space-m)");
        addToNavbar(bar);
    }
}
