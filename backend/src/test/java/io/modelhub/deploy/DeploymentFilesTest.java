package io.modelhub.deploy;

import io.modelhub.contract.InferenceProtocol;
import io.modelhub.platform.ModelHubConfig;
import io.smallrye.config.WithName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The deployment files (docker/compose.yaml, docker/Dockerfile, docker/k8s/) checked the only way this machine can,
 * without a Docker daemon or a cluster: they parse, they name only images the repository builds or pinned public
 * ones, and every MODELHUB_* variable they set is one the code reads. That last one matters most: the hub ignores a
 * misspelt variable without a word, and a hub instance without MODELHUB_DB_URL quietly starts a database of its own.
 * The variables the code reads are found in the code (the config mapping, the properties files, the environment
 * reads of the launcher and the runner), never listed here.
 */
class DeploymentFilesTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path DOCKER = ROOT.resolve("docker");

    /** The public images the files may use, each pinned to a release (no moving tag such as latest or 16). */
    static final Set<String> PINNED_PUBLIC_IMAGES = Set.of(
            "postgres:16.4",
            "minio/minio:RELEASE.2025-04-22T22-12-26Z",
            "haproxy:2.8.10",
            "eclipse-temurin:17.0.15_6-jdk-noble",
            "eclipse-temurin:17.0.15_6-jre-noble");

    /** Without these, a hub instance embeds its own database, store or upload-signing key instead of sharing them. */
    static final Set<String> HUB_REQUIRED = Set.of("MODELHUB_DB_URL", "MODELHUB_S3_ENDPOINT", "MODELHUB_LFS_SIGNING_SECRET");
    /** Without it, a runner looks for its hub on localhost. */
    static final Set<String> RUNNER_REQUIRED = Set.of("MODELHUB_URL");

    /** A process the files start: which program it runs decides which variables mean something to it. */
    enum Role { HUB, RUNNER, OTHER }

    /**
     * A compose service, a Kubernetes container or an image's stage (deployed false: an image sets defaults, what
     * it must be given comes from where it is deployed).
     */
    record Container(String where, String image, Role role, Set<String> variables, boolean deployed) {
    }

    static Set<String> hubVariables;
    static Set<String> runnerVariables;
    /** Image name -> the Dockerfile stage that builds it (compose's build: next to its image:). */
    static final Map<String, String> builtImages = new LinkedHashMap<>();
    static final List<Container> containers = new ArrayList<>();
    /** Names in ${...} of compose and the keys of the example settings files: they end up in containers too. */
    static final Set<String> otherNames = new TreeSet<>();
    static final List<String> problems = new ArrayList<>();

    @BeforeAll
    static void readCodeAndFiles() throws IOException {
        hubVariables = hubVariables();
        runnerVariables = environmentReads(List.of(ROOT.resolve("gpu-runners/src/main/java"),
                ROOT.resolve("gpu-runners/contract/src/main/java")));
        readCompose(DOCKER.resolve("compose.yaml"));
        readKubernetes(DOCKER.resolve("k8s"));
    }

    @Test
    void findsTheVariablesInTheCode() {
        // the three sources of the hub's variables: the config mapping, a ${...} in a properties file, the launcher
        assertTrue(hubVariables.contains("MODELHUB_S3_ENDPOINT"), hubVariables::toString);
        assertTrue(hubVariables.contains("MODELHUB_DB_URL"), hubVariables::toString);
        assertTrue(hubVariables.contains("MODELHUB_LOCAL_RUNNER"), hubVariables::toString);
        // the runner's: a literal, and a constant of the contract
        assertTrue(runnerVariables.contains("MODELHUB_RUNNER_CREDENTIAL"), runnerVariables::toString);
        assertTrue(runnerVariables.contains(InferenceProtocol.SERVE_ENV), runnerVariables::toString);
        assertFalse(hubVariables.contains("MODELHUB_RUNNER_CREDENTIAL"), "the hub does not read a runner's credential");
        assertFalse(hubVariables.contains("MODELHUB_DEMO_ENABLED"), "the launcher's MODELHUB_DEMO decides, over the config key's variable");
        assertTrue(hubVariables.containsAll(HUB_REQUIRED) && runnerVariables.containsAll(RUNNER_REQUIRED),
                "a required variable that the code no longer reads: " + HUB_REQUIRED + " " + RUNNER_REQUIRED);
    }

    @Test
    void theFilesParseAndReferToFilesThatExist() {
        assertEquals(List.of(), problems);
        // the checks below need something to check: a hub and a runner in each kind of file
        for (String kind : List.of("compose", "k8s")) {
            for (Role role : List.of(Role.HUB, Role.RUNNER)) {
                assertTrue(containers.stream().anyMatch(c -> c.role() == role && c.where().startsWith(kind)),
                        "no " + role + " found in the " + kind + " files: " + containers);
            }
        }
    }

    @Test
    void everyImageIsBuiltHereOrPinned() {
        List<String> unknown = new ArrayList<>();
        for (Container c : containers) {
            if (!builtImages.containsKey(c.image()) && !PINNED_PUBLIC_IMAGES.contains(c.image())) {
                unknown.add(c.where() + ": " + c.image());
            }
        }
        assertEquals(List.of(), unknown, "images neither built from a Dockerfile here nor in the pinned list");
    }

    @Test
    void everyModelhubVariableSetIsOneTheCodeReads() {
        List<String> unread = new ArrayList<>();
        for (Container c : containers) {
            Set<String> known = switch (c.role()) {
                case HUB -> hubVariables;
                case RUNNER -> runnerVariables;
                case OTHER -> union();
            };
            c.variables().stream().filter(v -> v.startsWith("MODELHUB_") && !known.contains(v))
                    .forEach(v -> unread.add(c.where() + " (" + c.role() + "): " + v));
        }
        otherNames.stream().filter(v -> v.startsWith("MODELHUB_") && !union().contains(v))
                .forEach(v -> unread.add("a compose ${...} or an example settings file: " + v));
        if (!unread.isEmpty()) {
            fail("Variables that no code reads (misspelt?): " + unread + ". The hub reads " + hubVariables
                    + "; the runner reads " + runnerVariables);
        }
    }

    @Test
    void hubsAndRunnersGetTheVariablesTheyCannotDoWithout() {
        List<String> missing = new ArrayList<>();
        for (Container c : containers.stream().filter(Container::deployed).toList()) {
            Set<String> required = c.role() == Role.HUB ? HUB_REQUIRED : c.role() == Role.RUNNER ? RUNNER_REQUIRED : Set.of();
            required.stream().filter(v -> !c.variables().contains(v)).forEach(v -> missing.add(c.where() + ": " + v));
        }
        assertEquals(List.of(), missing);
    }

    private static Set<String> union() {
        Set<String> all = new TreeSet<>(hubVariables);
        all.addAll(runnerVariables);
        return all;
    }

    // ---- the variables the code reads

    /** The hub's: its config mapping, the modelhub.* keys its properties files and injection points read, the launcher's reads. */
    static Set<String> hubVariables() throws IOException {
        Set<String> properties = new TreeSet<>();
        configMappingKeys(ModelHubConfig.class, "modelhub", properties);
        Pattern reference = Pattern.compile("\\$\\{(modelhub\\.[a-z0-9.-]+)");
        for (Path file : List.of(ROOT.resolve("backend/src/main/resources/META-INF/microprofile-config.properties"),
                ROOT.resolve("ui/src/main/resources/application.properties"))) {
            reference.matcher(Files.readString(file)).results().forEach(m -> properties.add(m.group(1)));
        }
        List<Path> sources = List.of(ROOT.resolve("backend/src/main/java"), ROOT.resolve("ui/src/main/java"));
        Pattern injected = Pattern.compile("@ConfigProperty\\(\\s*name\\s*=\\s*\"(modelhub\\.[^\"]+)\"");
        // The launcher sets these from variables of its own (modelhub.demo.enabled from MODELHUB_DEMO), and a system
        // property outranks the environment: MODELHUB_DEMO_ENABLED would be ignored.
        Pattern overridden = Pattern.compile("System\\.setProperty\\(\\s*\"(modelhub\\.[^\"]+)\"");
        Set<String> shadowed = new TreeSet<>();
        for (String source : javaSources(sources).values()) {
            injected.matcher(source).results().forEach(m -> properties.add(m.group(1)));
            overridden.matcher(source).results().forEach(m -> shadowed.add(m.group(1)));
        }
        properties.removeAll(shadowed);
        // SmallRye's environment lookup: modelhub.s3.access-key is MODELHUB_S3_ACCESS_KEY
        Set<String> names = properties.stream().map(p -> p.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"))
                .collect(Collectors.toCollection(TreeSet::new));
        names.addAll(environmentReads(sources));
        return names;
    }

    /** Each leaf of a @ConfigMapping interface as its property name (the mapping's default kebab-case naming). */
    static void configMappingKeys(Class<?> group, String prefix, Set<String> into) {
        for (Method m : group.getDeclaredMethods()) {
            if (m.isDefault() || Modifier.isStatic(m.getModifiers()) || m.getParameterCount() > 0) {
                continue;
            }
            WithName named = m.getAnnotation(WithName.class);
            String key = prefix + "." + (named != null ? named.value() : m.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT));
            Class<?> type = m.getReturnType();
            if (type.isInterface() && type.getEnclosingClass() != null && type.getName().startsWith("io.modelhub.")) {
                configMappingKeys(type, key, into);
            } else {
                into.add(key);
            }
        }
    }

    /**
     * The environment variables these sources read by name: System.getenv("X"), and the env("X") / setting("X", ...)
     * helpers of the runner agent and the launcher, with "X" a literal or a String constant of the sources.
     */
    static Set<String> environmentReads(List<Path> roots) throws IOException {
        Map<String, String> sources = javaSources(roots);
        Map<String, String> constants = new HashMap<>();
        Pattern constant = Pattern.compile("static\\s+final\\s+String\\s+(\\w+)\\s*=\\s*\"(MODELHUB_[A-Z0-9_]+)\"\\s*;");
        sources.values().forEach(s -> constant.matcher(s).results().forEach(m -> constants.put(m.group(1), m.group(2))));
        Pattern read = Pattern.compile("\\b(?:getenv|env|setting)\\(\\s*(\"MODELHUB_[A-Z0-9_]+\"|[A-Za-z_][\\w.]*)");
        Set<String> names = new TreeSet<>();
        for (String source : sources.values()) {
            Matcher m = read.matcher(source);
            while (m.find()) {
                String argument = m.group(1);
                if (argument.startsWith("\"")) {
                    names.add(argument.substring(1, argument.length() - 1));
                } else if (constants.containsKey(argument.substring(argument.lastIndexOf('.') + 1))) {
                    names.add(constants.get(argument.substring(argument.lastIndexOf('.') + 1)));
                }
            }
        }
        return names;
    }

    static Map<String, String> javaSources(List<Path> roots) throws IOException {
        Map<String, String> sources = new LinkedHashMap<>();
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    sources.put(ROOT.relativize(f).toString(), Files.readString(f));
                }
            }
        }
        return sources;
    }

    // ---- docker/compose.yaml and the Dockerfiles it builds

    @SuppressWarnings("unchecked")
    static void readCompose(Path file) throws IOException {
        String text = Files.readString(file);
        Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)").matcher(text).results().forEach(m -> otherNames.add(m.group(1)));
        Map<String, Object> compose = new Yaml().load(text);
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        if (services == null || services.isEmpty()) {
            problems.add("compose.yaml has no services");
            return;
        }
        // the builds first: a service may run an image another service builds
        Map<String, Role> builtRoles = new HashMap<>();
        Set<Path> dockerfilesRead = new LinkedHashSet<>();
        for (var service : services.entrySet()) {
            Object build = service.getValue().get("build");
            if (build == null) {
                continue;
            }
            Map<String, Object> spec = build instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of("context", build);
            Path context = file.getParent().resolve(String.valueOf(spec.getOrDefault("context", "."))).normalize();
            Path dockerfile = context.resolve(String.valueOf(spec.getOrDefault("dockerfile", "Dockerfile"))).normalize();
            String target = (String) spec.get("target");
            String image = (String) service.getValue().get("image");
            String where = "compose " + service.getKey();
            if (!Files.isRegularFile(dockerfile)) {
                problems.add(where + ": build names a Dockerfile that does not exist: " + dockerfile);
                continue;
            }
            if (image == null) {
                problems.add(where + ": a built image needs a name (image:), which the Kubernetes manifests use");
                continue;
            }
            Dockerfile parsed = Dockerfile.read(dockerfile, context);
            boolean firstRead = dockerfilesRead.add(dockerfile);
            if (firstRead) {
                problems.addAll(parsed.problems());
            }
            String stage = target != null ? target : parsed.lastStage();
            if (!parsed.stages().containsKey(stage)) {
                problems.add(where + ": target " + stage + " is no stage of " + ROOT.relativize(dockerfile));
                continue;
            }
            String earlier = builtImages.put(image, ROOT.relativize(dockerfile) + "#" + stage);
            if (earlier != null && !earlier.equals(ROOT.relativize(dockerfile) + "#" + stage)) {
                problems.add(where + ": " + image + " is built from two stages: " + earlier + " and " + stage);
            }
            builtRoles.put(image, roleOfStage(stage));
            for (var s : firstRead ? parsed.stages().entrySet() : Set.<Map.Entry<String, Stage>>of()) {
                containers.add(new Container(ROOT.relativize(dockerfile) + " stage " + s.getKey(), s.getValue().from(),
                        roleOfStage(s.getKey()), s.getValue().env(), false));
            }
        }
        for (var service : services.entrySet()) {
            Map<String, Object> spec = service.getValue();
            String where = "compose " + service.getKey();
            String image = (String) spec.get("image");
            if (image == null) {
                problems.add(where + ": no image");
                continue;
            }
            Set<String> env = new TreeSet<>();
            Object environment = spec.get("environment");
            if (environment instanceof Map<?, ?> m) {
                m.keySet().forEach(k -> env.add(String.valueOf(k)));
            } else if (environment instanceof List<?> l) {
                l.forEach(e -> env.add(String.valueOf(e).split("=", 2)[0]));
            }
            // a service that runs an image with another entrypoint (the enrolment step) is not that image's program
            Role role = spec.containsKey("entrypoint") ? Role.OTHER : builtRoles.getOrDefault(image, Role.OTHER);
            containers.add(new Container(where, image, role, env, true));
            for (Object volume : (List<Object>) spec.getOrDefault("volumes", List.of())) {
                String source = String.valueOf(volume).split(":")[0];
                if (source.startsWith(".") && !Files.exists(file.getParent().resolve(source))) {
                    problems.add(where + ": mounts a file that does not exist: " + source);
                }
            }
        }
        Path example = file.getParent().resolve("env.example");
        if (Files.exists(example)) {
            otherNames.addAll(envFileKeys(example));
        }
    }

    static Role roleOfStage(String stage) {
        return switch (stage) {
            case "hub" -> Role.HUB;
            case "runner" -> Role.RUNNER;
            default -> Role.OTHER;
        };
    }

    record Stage(String from, Set<String> env) {
    }

    /** A Dockerfile's stages in order: each one's base image (resolved to the public image) and the variables its ENV sets. */
    record Dockerfile(Map<String, Stage> stages, String lastStage, List<String> problems) {
        static Dockerfile read(Path file, Path context) throws IOException {
            Map<String, Stage> stages = new LinkedHashMap<>();
            List<String> problems = new ArrayList<>();
            String current = null;
            String joined = Files.readString(file).replaceAll("\\\\\\r?\\n", " ");
            int unnamed = 0;
            for (String line : joined.split("\\r?\\n")) {
                String[] words = line.trim().split("\\s+");
                if (words.length < 2 || words[0].startsWith("#")) {
                    continue;
                }
                switch (words[0].toUpperCase(Locale.ROOT)) {
                    case "FROM" -> {
                        String from = words[1];
                        if (stages.containsKey(from)) {
                            from = stages.get(from).from();
                        } else if (!PINNED_PUBLIC_IMAGES.contains(from)) {
                            problems.add(ROOT.relativize(file) + ": FROM " + from + " is neither an earlier stage nor a pinned public image");
                        }
                        current = words.length >= 4 && words[2].equalsIgnoreCase("AS") ? words[3] : "stage-" + unnamed++;
                        stages.put(current, new Stage(from, new TreeSet<>()));
                    }
                    case "ENV" -> {
                        if (current == null) {
                            problems.add(ROOT.relativize(file) + ": ENV before FROM");
                        } else if (words[1].contains("=")) {
                            for (int i = 1; i < words.length; i++) {
                                stages.get(current).env().add(words[i].split("=", 2)[0]);
                            }
                        } else {
                            stages.get(current).env().add(words[1]);
                        }
                    }
                    case "COPY", "ADD" -> {
                        List<String> args = Stream.of(words).skip(1).filter(w -> !w.startsWith("--")).toList();
                        boolean fromStage = Stream.of(words).anyMatch(w -> w.startsWith("--from="));
                        for (String source : fromStage ? List.<String>of() : args.subList(0, args.size() - 1)) {
                            if (!source.contains("*") && !Files.exists(context.resolve(source))) {
                                problems.add(ROOT.relativize(file) + ": copies " + source + ", which is not in the build context");
                            }
                        }
                    }
                    default -> {
                    }
                }
            }
            return new Dockerfile(stages, current, problems);
        }
    }

    // ---- docker/k8s

    @SuppressWarnings("unchecked")
    static void readKubernetes(Path dir) throws IOException {
        Map<String, Object> kustomization = new Yaml().load(Files.readString(dir.resolve("kustomization.yaml")));
        Map<String, Set<String>> configMaps = new HashMap<>();
        Map<String, Set<String>> secrets = new HashMap<>();
        for (String kind : List.of("secretGenerator", "configMapGenerator")) {
            for (Map<String, Object> generator : (List<Map<String, Object>>) kustomization.getOrDefault(kind, List.of())) {
                Set<String> keys = new TreeSet<>();
                for (String envs : (List<String>) generator.getOrDefault("envs", List.of())) {
                    // the real file holds secrets and stays out of git; its example is committed beside it
                    Path envFile = Files.exists(dir.resolve(envs)) ? dir.resolve(envs) : dir.resolve(envs + ".example");
                    if (!Files.exists(envFile)) {
                        problems.add("k8s " + kind + " " + generator.get("name") + ": neither " + envs + " nor " + envs + ".example exists");
                        continue;
                    }
                    keys.addAll(envFileKeys(envFile));
                    otherNames.addAll(envFileKeys(envFile));
                }
                (kind.equals("secretGenerator") ? secrets : configMaps).put((String) generator.get("name"), keys);
            }
        }
        List<Map<String, Object>> documents = new ArrayList<>();
        for (String resource : (List<String>) kustomization.getOrDefault("resources", List.of())) {
            Path file = dir.resolve(resource);
            if (!Files.isRegularFile(file)) {
                problems.add("k8s kustomization: resource " + resource + " does not exist");
                continue;
            }
            for (Object doc : new Yaml().loadAll(Files.readString(file))) {
                Map<String, Object> d = (Map<String, Object>) doc;
                if (d == null || d.get("apiVersion") == null || d.get("kind") == null || path(d, "metadata", "name") == null) {
                    problems.add("k8s " + resource + ": a document without apiVersion, kind or metadata.name");
                    continue;
                }
                if (d.get("metadata") instanceof Map<?, ?> meta && meta.containsKey("namespace")) {
                    problems.add("k8s " + resource + ": " + d.get("kind") + " names a namespace; the manifests leave it to kubectl -n");
                }
                documents.add(d);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            Set<String> listed = new TreeSet<>((List<String>) kustomization.getOrDefault("resources", List.of()));
            files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
                    .filter(n -> !listed.contains(n)).forEach(n -> problems.add("k8s " + n + " is not in kustomization.yaml"));
        }
        for (Map<String, Object> d : documents) {
            Map<String, Object> data = (Map<String, Object>) d.get("data");
            Map<String, Object> stringData = (Map<String, Object>) d.get("stringData");
            Set<String> keys = new TreeSet<>();
            if (data != null) {
                keys.addAll(data.keySet());
            }
            if (stringData != null) {
                keys.addAll(stringData.keySet());
            }
            if (d.get("kind").equals("ConfigMap")) {
                configMaps.put((String) path(d, "metadata", "name"), keys);
            } else if (d.get("kind").equals("Secret")) {
                secrets.put((String) path(d, "metadata", "name"), keys);
            }
        }
        Set<String> imageNames = new TreeSet<>();
        for (Map<String, Object> image : (List<Map<String, Object>>) kustomization.getOrDefault("images", List.of())) {
            imageNames.add((String) image.get("name"));
        }
        Set<String> builtRepositories = builtImages.keySet().stream().map(DeploymentFilesTest::repository).collect(Collectors.toSet());
        imageNames.stream().filter(n -> !builtRepositories.contains(n))
                .forEach(n -> problems.add("k8s kustomization: images names " + n + ", which no compose service builds"));
        Map<String, Map<String, Object>> podLabels = new HashMap<>();
        Properties backendDefaults = new Properties();
        try (var reader = Files.newBufferedReader(ROOT.resolve("backend/src/main/resources/META-INF/microprofile-config.properties"))) {
            backendDefaults.load(reader);
        }
        String health = backendDefaults.getProperty("quarkus.smallrye-health.root-path", "/q/health");
        Set<String> healthPaths = Set.of(health, health + "/live", health + "/ready", health + "/started");
        for (Map<String, Object> d : documents) {
            String name = d.get("kind") + " " + path(d, "metadata", "name");
            Map<String, Object> pod = (Map<String, Object>) path(d, "spec", "template", "spec");
            if (pod == null) {
                continue;
            }
            podLabels.put(name, (Map<String, Object>) path(d, "spec", "template", "metadata", "labels"));
            for (Map<String, Object> container : (List<Map<String, Object>>) pod.getOrDefault("containers", List.of())) {
                String where = "k8s " + name + " container " + container.get("name");
                String image = (String) container.get("image");
                Set<String> env = new TreeSet<>();
                for (Map<String, Object> e : (List<Map<String, Object>>) container.getOrDefault("env", List.of())) {
                    env.add((String) e.get("name"));
                }
                for (Map<String, Object> from : (List<Map<String, Object>>) container.getOrDefault("envFrom", List.of())) {
                    String configMap = (String) path(from, "configMapRef", "name");
                    String secret = (String) path(from, "secretRef", "name");
                    Set<String> keys = configMap != null ? configMaps.get(configMap) : secrets.get(secret);
                    if (keys == null) {
                        problems.add(where + ": envFrom names " + (configMap != null ? "ConfigMap " + configMap : "Secret " + secret)
                                + ", which the manifests do not define");
                    } else {
                        env.addAll(keys);
                    }
                }
                Role role = container.containsKey("command") ? Role.OTHER
                        : builtImages.containsKey(image) ? roleOfStage(builtImages.get(image).replaceAll(".*#", "")) : Role.OTHER;
                containers.add(new Container(where, image, role, env, true));
                if (role == Role.HUB) {
                    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                        Object probePath = path(container, probe, "httpGet", "path");
                        if (!healthPaths.contains(probePath)) {
                            problems.add(where + ": " + probe + " is " + probePath + ", not one of the health endpoints " + healthPaths);
                        }
                    }
                }
            }
        }
        for (Map<String, Object> d : documents) {
            if (d.get("kind").equals("Service")) {
                Map<String, Object> selector = (Map<String, Object>) path(d, "spec", "selector");
                boolean matches = podLabels.values().stream().anyMatch(labels -> labels != null && labels.entrySet().containsAll(selector.entrySet()));
                if (!matches) {
                    problems.add("k8s Service " + path(d, "metadata", "name") + ": its selector " + selector + " matches no pod");
                }
            }
        }
        Set<String> services = documents.stream().filter(d -> d.get("kind").equals("Service"))
                .map(d -> (String) path(d, "metadata", "name")).collect(Collectors.toSet());
        for (Map<String, Object> d : documents) {
            if (d.get("kind").equals("Ingress")) {
                List<String> backends = new ArrayList<>();
                collect(d.get("spec"), "service", backends);
                backends.stream().filter(s -> !services.contains(s))
                        .forEach(s -> problems.add("k8s Ingress " + path(d, "metadata", "name") + ": no Service " + s));
            }
        }
    }

    /** The name of every {@code key: {name: ...}} map anywhere below {@code node}. */
    static void collect(Object node, String key, List<String> names) {
        if (node instanceof Map<?, ?> m) {
            if (m.get(key) instanceof Map<?, ?> ref && ref.get("name") != null) {
                names.add(String.valueOf(ref.get("name")));
            }
            m.values().forEach(v -> collect(v, key, names));
        } else if (node instanceof List<?> l) {
            l.forEach(v -> collect(v, key, names));
        }
    }

    static String repository(String image) {
        int colon = image.lastIndexOf(':');
        return colon > image.lastIndexOf('/') ? image.substring(0, colon) : image;
    }

    @SuppressWarnings("unchecked")
    static Object path(Map<String, Object> map, String... keys) {
        Object here = map;
        for (String key : keys) {
            if (!(here instanceof Map<?, ?> m)) {
                return null;
            }
            here = ((Map<String, Object>) m).get(key);
        }
        return here;
    }

    /** The keys of a KEY=value file (comments and blank lines skipped). */
    static Set<String> envFileKeys(Path file) {
        try {
            return Files.readAllLines(file).stream().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .map(l -> l.split("=", 2)[0].trim()).collect(Collectors.toCollection(LinkedHashSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
