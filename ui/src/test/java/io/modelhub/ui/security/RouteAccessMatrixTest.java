package io.modelhub.ui.security;

import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouteAlias;
import io.modelhub.accounts.AccountService;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.testing.SimulatedRunner;
import io.modelhub.ui.testing.Browser;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16 part 8, the browser half: every Vaadin route of the UI (read from the {@code @Route} and {@code @RouteAlias}
 * classes of this module, so a new route without a row fails) is opened by four callers, on a public and a private
 * repository where the route names one: anonymous, Eve (signed in, reads nothing private), Alice (who owns the
 * repositories and the job) and the admin. Each cell is what the page shows: {@code login} (the sign-in form instead of
 * the view: the view forwards to it), {@code served}, or {@code absent} (the view's "Not found", as for a repository
 * that does not exist). A page shown to anyone but Alice and the admin never holds the private repository's card,
 * nor its name unless the address named it.
 * <p>
 * A real browser: a Vaadin view is built by the client's second request (the UIDL of the navigation), so a plain GET
 * of a route only ever answers the same bootstrap page.
 */
@QuarkusTest
class RouteAccessMatrixTest {
    static final String OWNER = "route-alice";
    static final String OTHER = "route-eve";
    static final String PASSWORD = "route-password-1";
    static final String PUBLIC = "route-public";
    static final String PRIVATE = "route-private";
    static final String SECRET = "secret card of the private route repository";

    /**
     * One row per route template: four cells (anonymous, Eve, Alice, admin) for both repositories, or
     * {@code public-cells / private-cells} where the route names a repository or a job on one.
     */
    static final String EXPECTED = """
            ""                             served served served served
            login                          login login login login
            new                            login served served served
            :namespace/:name               served served served served / absent absent served served
            datasets/:namespace/:name      served served served served / absent absent served served
            fine-tune/:namespace/:name     login served served served / login absent served served
            train/:namespace/:name         login served served served / login absent served served
            jobs                           served served served served
            jobs/:id                       absent absent served served
            runners                        login served served served
            compare                        served served served served
            benchmarks                     served served served served
            benchmarks/:id                 served served served served
            # (a benchmark is public: its dataset must be; it is opened once)
            settings/tokens                login served served served
            settings/users                 login login login served
            """;

    static final List<String> CALLERS = List.of("anonymous", OTHER, OWNER, "admin");

    @TestHTTPResource("/")
    URL base;
    @Inject
    AccountService accounts;

    @Test
    void everyRouteShowsEachCallerWhatItMaySee() throws Exception {
        Map<String, String[][]> expected = new TreeMap<>();
        EXPECTED.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(l -> {
            String[] words = l.split(" +", 2);
            String[] halves = words[1].split(" / ");
            String route = words[0].equals("\"\"") ? "" : words[0];
            expected.put(route, new String[][]{halves[0].strip().split(" +"), (halves.length > 1 ? halves[1] : halves[0]).strip().split(" +")});
        });
        TreeSet<String> routes = routes();
        List<String> missing = routes.stream().filter(r -> !expected.containsKey(r)).toList();
        List<String> stale = expected.keySet().stream().filter(r -> !routes.contains(r)).toList();
        assertTrue(missing.isEmpty(), "Routes without a row in EXPECTED: " + missing);
        assertTrue(stale.isEmpty(), "Rows for routes that are gone: " + stale);

        Map<Boolean, String> jobs = world();
        List<String> wrong = new ArrayList<>();
        StringBuilder observed = new StringBuilder();
        for (int c = 0; c < CALLERS.size(); c++) {
            String caller = CALLERS.get(c);
            boolean reader = caller.equals(OWNER) || caller.equals("admin");
            try (Browser browser = new Browser(base)) {
                if (!caller.equals("anonymous")) {
                    browser.signIn(caller, caller.equals("admin") ? HubServicesResource.ADMIN_PASSWORD : PASSWORD);
                }
                for (String route : routes) {
                    for (boolean privateRepo : new boolean[]{false, true}) {
                        if (privateRepo && (!route.contains(":") || route.startsWith("benchmarks"))) {
                            continue;
                        }
                        String path = "/" + route.replace(":namespace", OWNER).replace(":name", privateRepo ? PRIVATE : PUBLIC)
                                .replace(":id", route.startsWith("jobs") ? jobs.get(privateRepo) : benchmark);
                        browser.open(path);
                        String page = browser.driver().getPageSource();
                        String shown = !browser.driver().findElements(By.cssSelector("input[name='username']")).isEmpty() ? "login"
                                : !browser.driver().findElements(By.xpath("//h2[normalize-space()='Not found']")).isEmpty() ? "absent" : "served";
                        observed.append(caller).append(' ').append(path).append(' ').append(shown).append('\n');
                        String cell = expected.get(route)[privateRepo ? 1 : 0][c];
                        if (!cell.equals(shown)) {
                            wrong.add(path + " as " + caller + ": expected " + cell + ", shown " + shown);
                        }
                        if (!reader && (page.contains(SECRET) || (!path.contains(PRIVATE) && page.contains(PRIVATE)))) {
                            wrong.add(path + " as " + caller + " shows the private repository");
                        }
                        if (reader && privateRepo && route.equals(":namespace/:name") && !page.contains(SECRET)) {
                            wrong.add(path + " as " + caller + " does not show the private card to its reader");
                        }
                    }
                }
            }
        }
        Files.writeString(Path.of("target", "route-access-matrix.txt"), observed.toString());
        assertEquals(List.of(), wrong);
    }

    String benchmark;

    /** Alice's repositories, a job on each, a benchmark on her public dataset; Eve with a password. */
    Map<Boolean, String> world() {
        var alice = accounts.createUser(OWNER, PASSWORD, "Alice", null, false);
        accounts.createUser(OTHER, PASSWORD, "Eve", null, false);
        String token = accounts.createToken(alice.id, "cli", "write");
        String cnn = "{\"model_type\":\"modelhub-cnn\"}";
        HubApi.model(PUBLIC).owner(OWNER, token).file("config.json", cnn).file("README.md", "public card").create();
        HubApi.model(PRIVATE).owner(OWNER, token).privateRepo().file("config.json", cnn).file("README.md", SECRET).create();
        HubApi.dataset(PUBLIC).owner(OWNER, token).file("README.md", "public card")
                .file("train/circle/1.png", new byte[]{1}).file("train/square/2.png", new byte[]{2}).create();
        HubApi.dataset(PRIVATE).owner(OWNER, token).privateRepo().file("README.md", SECRET)
                .file("train/circle/1.png", new byte[]{3}).file("train/square/2.png", new byte[]{4}).create();
        SimulatedRunner.register("route-publisher", 0);
        Map<Boolean, String> jobs = new java.util.LinkedHashMap<>();
        for (boolean privateRepo : new boolean[]{false, true}) {
            String repo = OWNER + "/" + (privateRepo ? PRIVATE : PUBLIC);
            long id = HubApi.as(token).contentType("application/json")
                    .body(Map.of("recipe", SimulatedRunner.IMAGE, "baseModel", repo, "dataset", repo,
                            "outputRepo", OWNER + "/route-output-" + privateRepo))
                    .post("/api/jobs").then().statusCode(201).extract().jsonPath().getLong("id");
            // cancelled at once: no runner of another test class claims it, and its page still shows
            HubApi.as(token).post("/api/jobs/" + id + "/cancel").then().statusCode(200);
            jobs.put(privateRepo, Long.toString(id));
        }
        benchmark = Long.toString(HubApi.as(token).contentType("application/json")
                .body(Map.of("name", "route-accuracy", "task", "image-classification", "dataset", OWNER + "/" + PUBLIC,
                        "split", "train", "metric", "accuracy"))
                .post("/api/benchmarks").then().statusCode(201).extract().jsonPath().getLong("id"));
        return jobs;
    }

    /** Every route template and alias of this module's views, as Vaadin registers them. */
    static TreeSet<String> routes() throws Exception {
        TreeSet<String> routes = new TreeSet<>();
        Path classes = Path.of("target", "classes");
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type;
                try {
                    type = Class.forName(name, false, Thread.currentThread().getContextClassLoader());
                } catch (ClassNotFoundException | LinkageError e) {
                    continue;
                }
                Route route = type.getAnnotation(Route.class);
                if (route != null) {
                    routes.add(route.value());
                    for (RouteAlias alias : type.getAnnotationsByType(RouteAlias.class)) {
                        routes.add(alias.value());
                    }
                }
            }
        }
        assertTrue(routes.size() > 5, "no @Route classes found under " + classes.toAbsolutePath());
        return routes;
    }
}
