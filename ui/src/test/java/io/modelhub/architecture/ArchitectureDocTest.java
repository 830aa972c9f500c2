package io.modelhub.architecture;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * docs/architecture.md against the repository: a page that names files and owners goes stale silently, so every
 * path it writes must exist and its lists must be the ones the code has (modules, backend packages, the tables the
 * migrations create, the CDI events fired and observed, the registered recipes and evaluators). Reads sources and
 * resources only: no build output, no Quarkus.
 */
class ArchitectureDocTest {
    private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");
    /** A repository path as the page writes it: relative to the root, starting at a top-level folder. */
    private static final Pattern REPO_PATH = Pattern.compile("(?:backend|ui|hub-storage|gpu-runners|migrations|docker|docs)/[A-Za-z0-9_.$/-]*");
    private static final String BACKEND_PACKAGES = "backend/src/main/java/io/modelhub";
    private static final String SERVICES = "gpu-runners/src/main/resources/META-INF/services/";
    private static final String RECIPES = SERVICES + "io.modelhub.runners.recipes.Recipe";
    private static final String EVALUATORS = SERVICES + "io.modelhub.runners.recipes.eval.ModelEvaluator";

    static Path root;
    static String doc;
    static Map<String, String> sections;

    @BeforeAll
    static void read() throws IOException {
        // Surefire runs in the module's folder; walk up to the folder that holds the page rather than assume one.
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("docs/architecture.md"))) {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "docs/architecture.md not found above " + Path.of("").toAbsolutePath());
        root = dir;
        doc = Files.readString(root.resolve("docs/architecture.md"));
        sections = new LinkedHashMap<>();
        String[] parts = doc.split("(?m)^## ");
        for (int i = 1; i < parts.length; i++) {
            int eol = parts[i].indexOf('\n');
            sections.put(parts[i].substring(0, eol).trim(), parts[i].substring(eol + 1));
        }
    }

    @Test
    void everyPathOnThePageExists() {
        List<String> paths = backticked(doc).stream().filter(t -> REPO_PATH.matcher(t).matches()).toList();
        // a broken pattern must not pass by checking nothing
        assertTrue(paths.size() > 50, "only " + paths.size() + " repository paths found on the page");
        List<String> missing = paths.stream().filter(p -> !Files.exists(root.resolve(p))).distinct().toList();
        assertEquals(List.of(), missing, "paths in docs/architecture.md that are not in the repository");
    }

    @Test
    void modulesTableListsTheMavenModules() throws IOException {
        Set<String> modules = matches(Pattern.compile("<module>([^<]+)</module>"), Files.readString(root.resolve("pom.xml")));
        assertTrue(modules.size() >= 5, "modules read from pom.xml: " + modules);
        assertEquals(modules, firstColumn(section("Modules")), "the Modules table against pom.xml's <module>s");
    }

    @Test
    void packageTableListsTheBackendPackages() throws IOException {
        Set<String> packages;
        try (Stream<Path> children = Files.list(root.resolve(BACKEND_PACKAGES))) {
            packages = children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(packages, firstColumn(packageSection()), "the package table against " + BACKEND_PACKAGES);
    }

    @Test
    void everyTableHasAWriterAndEveryNamedTableExists() throws IOException {
        Set<String> created = createdTables();
        Set<String> written = new TreeSet<>();
        for (List<String> row : rows(packageSection())) {
            written.addAll(backticked(row.get(2)));
        }
        Set<String> unknown = new TreeSet<>(written);
        unknown.removeAll(created);
        assertEquals(Set.of(), unknown, "tables named in the package table that no migration creates");
        Set<String> unnamed = new TreeSet<>(created);
        unnamed.removeAll(written);
        assertEquals(Set.of(), unnamed, "tables the migrations create that the package table gives no writer");
    }

    @Test
    void tablesWrittenColumnMatchesTheStatementsOfEachPackage() throws IOException {
        Set<String> created = createdTables();
        Map<String, String> sources = backendSources();
        Map<String, Set<String>> written = new LinkedHashMap<>();
        for (Map.Entry<String, String> file : sources.entrySet()) {
            String pkg = file.getKey().substring(0, file.getKey().indexOf('/'));
            for (String table : created) {
                Pattern statement = Pattern.compile("(?i)(?:insert into|update|delete from)\\s+" + table + "\\b|@Table\\(name\\s*=\\s*\"" + table + "\"");
                if (statement.matcher(file.getValue()).find()) {
                    written.computeIfAbsent(pkg, k -> new TreeSet<>()).add(table);
                }
            }
        }
        assertTrue(written.containsKey("jobs"), "no statement found in the jobs package: " + written);
        String migrations = String.join("\n", readAll(files("migrations/src/main/resources/db/migration", ".sql")));
        Map<String, Set<String>> listed = new LinkedHashMap<>();
        for (List<String> row : rows(packageSection())) {
            Set<String> tables = new TreeSet<>();
            for (String table : backticked(row.get(2))) {
                // a table a trigger fills is named "by trigger": its writer is in the migrations, not in Java
                if (row.get(2).contains("`" + table + "` by trigger")) {
                    assertTrue(Pattern.compile("(?i)insert into " + table + "\\b").matcher(migrations).find(), "no trigger inserts into " + table);
                } else {
                    tables.add(table);
                }
            }
            if (!tables.isEmpty()) {
                listed.put(backticked(row.get(0)).get(0), tables);
            }
        }
        assertEquals(sortedByKey(written), sortedByKey(listed), "the 'tables written' column against the insert/update/delete statements and entities, by package");
    }

    @Test
    void eventColumnsMatchWhoFiresAndObserves() throws IOException {
        Set<String> events = new TreeSet<>();
        Map<String, String> sources = backendSources();
        // the project's own events: the type parameter of an injected Event<> that is a class of this backend
        for (String source : sources.values()) {
            for (String type : matches(Pattern.compile("\\bEvent<(\\w+)>"), source)) {
                if (sources.keySet().stream().anyMatch(f -> f.endsWith("/" + type + ".java"))) {
                    events.add(type);
                }
            }
        }
        assertTrue(events.size() >= 3, "events found in the backend: " + events);
        Map<String, Set<String>> fires = eventsIn(sources, events, "\\bEvent<%s>");
        Map<String, Set<String>> observes = eventsIn(sources, events, "@Observes(?:Async)?\\s+%s\\b");
        Map<String, Set<String>> docFires = new LinkedHashMap<>();
        Map<String, Set<String>> docObserves = new LinkedHashMap<>();
        for (List<String> row : rows(packageSection())) {
            String pkg = backticked(row.get(0)).get(0);
            Set<String> fired = new TreeSet<>(backticked(row.get(3)));
            Set<String> observed = new TreeSet<>(backticked(row.get(4)));
            if (!fired.isEmpty()) {
                docFires.put(pkg, fired);
            }
            if (!observed.isEmpty()) {
                docObserves.put(pkg, observed);
            }
        }
        assertEquals(fires, docFires, "the 'fires' column against the Event<> injections, by package");
        assertEquals(observes, docObserves, "the 'observes' column against the @Observes methods, by package");
    }

    @Test
    void everyServicesFileIsNamedAndRecipeTableEqualsTheRegisteredRecipes() throws IOException {
        for (Path services : files(SERVICES, "")) {
            String path = root.relativize(services).toString().replace('\\', '/');
            assertTrue(doc.contains("`" + path + "`"), path + " is not named in docs/architecture.md");
        }
        String section = section("Registered recipes and evaluators");
        Map<String, List<String>> table = new LinkedHashMap<>();
        for (List<String> row : rows(section)) {
            table.put(backticked(row.get(2)).get(0), List.of(row.get(0).trim(), row.get(1).trim()));
        }
        Set<String> registered = sourcesOf(RECIPES);
        assertTrue(registered.size() >= 5, "recipes read from " + RECIPES + ": " + registered);
        assertEquals(registered, new TreeSet<>(table.keySet()), "the recipe table against " + RECIPES);
        for (Map.Entry<String, List<String>> row : table.entrySet()) {
            String source = Files.readString(root.resolve(row.getKey()));
            assertEquals(row.getValue().get(0), single(Pattern.compile("static final String ID = \"([^\"]+)\""), source, row.getKey()),
                    "recipe id of " + row.getKey());
            // the body may hold a comment on what the version changed
            assertEquals(row.getValue().get(1), single(Pattern.compile("(?s)String version\\(\\)\\s*\\{[^}]*?return \"([^\"]+)\""), source, row.getKey()),
                    "recipe version of " + row.getKey());
        }
        int from = section.indexOf("Evaluators (");
        assertTrue(from >= 0, "no 'Evaluators (' paragraph in the recipes section");
        Set<String> listed = backticked(section.substring(from)).stream()
                .filter(t -> t.endsWith(".java") && !t.endsWith("/ModelEvaluators.java")).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(sourcesOf(EVALUATORS), listed, "the evaluator list against " + EVALUATORS);
    }

    private static Set<String> createdTables() throws IOException {
        Set<String> created = new TreeSet<>();
        for (String sql : readAll(files("migrations/src/main/resources/db/migration", ".sql"))) {
            created.addAll(matches(Pattern.compile("(?i)create table (?:if not exists )?([a-z_]+)"), sql));
        }
        assertTrue(created.contains("jobs") && created.contains("repos"), "tables read from the migrations: " + created);
        return created;
    }

    /** Backend main sources by path below io/modelhub (so the first segment is the feature package). */
    private static Map<String, String> backendSources() throws IOException {
        Map<String, String> sources = new LinkedHashMap<>();
        for (Path java : files(BACKEND_PACKAGES, ".java")) {
            sources.put(root.resolve(BACKEND_PACKAGES).relativize(java).toString().replace('\\', '/'), Files.readString(java));
        }
        return sources;
    }

    private static List<String> readAll(List<Path> paths) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path path : paths) {
            out.add(Files.readString(path));
        }
        return out;
    }

    /** The source files of the classes a META-INF/services file registers (nested classes: their outer file). */
    private static Set<String> sourcesOf(String servicesFile) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String line : Files.readAllLines(root.resolve(servicesFile))) {
            String name = line.replaceAll("#.*", "").trim();
            if (!name.isEmpty()) {
                out.add("gpu-runners/src/main/java/" + name.replaceAll("\\$.*", "").replace('.', '/') + ".java");
            }
        }
        return out;
    }

    /** package -> the events whose pattern matches in one of its files. */
    private static Map<String, Set<String>> eventsIn(Map<String, String> sources, Set<String> events, String format) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> file : sources.entrySet()) {
            String pkg = file.getKey().substring(0, file.getKey().indexOf('/'));
            for (String event : events) {
                if (Pattern.compile(String.format(format, event)).matcher(file.getValue()).find()) {
                    out.computeIfAbsent(pkg, k -> new TreeSet<>()).add(event);
                }
            }
        }
        return sortedByKey(out);
    }

    private static String packageSection() {
        return sections.entrySet().stream().filter(e -> e.getKey().startsWith("Backend feature packages")).map(Map.Entry::getValue)
                .findFirst().orElseThrow(() -> new AssertionError("no 'Backend feature packages' section"));
    }

    private static String section(String heading) {
        String text = sections.get(heading);
        if (text == null) {
            fail("no '## " + heading + "' section in docs/architecture.md; sections: " + sections.keySet());
        }
        return text;
    }

    /** The body rows of the first Markdown table in a section, as cells. */
    private static List<List<String>> rows(String section) {
        List<List<String>> rows = new ArrayList<>();
        boolean inTable = false;
        for (String line : section.split("\n")) {
            if (!line.startsWith("|")) {
                if (inTable) {
                    break;
                }
                continue;
            }
            inTable = true;
            List<String> cells = List.of(line.substring(1).split("\\|", -1));
            if (!line.startsWith("|---")) {
                rows.add(cells);
            }
        }
        assertTrue(rows.size() > 1, "no table in section:\n" + section);
        return rows.subList(1, rows.size());
    }

    private static Set<String> firstColumn(String section) {
        return rows(section).stream().map(r -> backticked(r.get(0)).get(0)).collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<String> backticked(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = BACKTICKED.matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            out.add(m.group(1).trim());
        }
        return out;
    }

    private static String single(Pattern pattern, String text, String where) {
        Set<String> found = matches(pattern, text);
        assertEquals(1, found.size(), pattern + " in " + where + ": " + found);
        return found.iterator().next();
    }

    private static List<Path> files(String dir, String suffix) throws IOException {
        try (Stream<Path> walk = Files.walk(root.resolve(dir))) {
            return walk.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static <V> Map<String, V> sortedByKey(Map<String, V> map) {
        Map<String, V> out = new LinkedHashMap<>();
        map.keySet().stream().sorted().forEach(k -> out.put(k, map.get(k)));
        return out;
    }
}
