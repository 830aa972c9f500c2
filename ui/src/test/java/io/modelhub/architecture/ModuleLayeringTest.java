package io.modelhub.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The direction between the Maven modules (ui -> backend -> hub-storage, contract; gpu-runners -> hub-storage,
 * contract; nothing points back up), and the UI's views calling services. Classes are told apart by the module
 * that compiled them, not by package: gpu-runners and the backend share {@code io.modelhub.runners}.
 */
class ModuleLayeringTest {
    enum Module {
        HUB_STORAGE("hub-storage"), CONTRACT("gpu-runners/contract"), GPU_RUNNERS("gpu-runners"), BACKEND("backend"), UI("ui");

        final String dir;

        Module(String dir) {
            this.dir = dir;
        }

        Path classes() {
            return Path.of("..").resolve(dir).resolve("target/classes").normalize();
        }

        DescribedPredicate<JavaClass> classes(String description) {
            String marker = "/" + dir + "/target/classes/";
            return DescribedPredicate.describe(description, c -> c.getSource().map(s -> s.getUri().toString().contains(marker)).orElse(false));
        }
    }

    static JavaClasses all;

    @BeforeAll
    static void importModules() {
        // this module runs last in the reactor: every other module's classes are compiled by now
        Path[] dirs = Arrays.stream(Module.values()).map(Module::classes).toArray(Path[]::new);
        for (Path d : dirs) {
            assertTrue(Files.isDirectory(d.resolve("io/modelhub")), "build the module first: " + d.toAbsolutePath());
        }
        all = new ClassFileImporter().importPaths(dirs);
    }

    private static DescribedPredicate<JavaClass> in(Module m) {
        return m.classes("classes of " + m.dir);
    }

    @Test
    void libraryModulesNeverReachUp() {
        noClasses().that(in(Module.HUB_STORAGE).or(in(Module.CONTRACT)))
                .should().dependOnClassesThat(in(Module.BACKEND).or(in(Module.UI)).or(in(Module.GPU_RUNNERS))).check(all);
    }

    @Test
    void runnersNeverImportTheHub() {
        noClasses().that(in(Module.GPU_RUNNERS)).should().dependOnClassesThat(in(Module.BACKEND).or(in(Module.UI))).check(all);
    }

    @Test
    void backendOwnsNoUiAndRunsNoRunner() {
        noClasses().that(in(Module.BACKEND)).should().dependOnClassesThat(in(Module.UI).or(in(Module.GPU_RUNNERS))).check(all);
    }

    /** The UI goes through the backend (whose API hands it contract and storage value types), never the runner process. */
    @Test
    void uiUsesTheBackendNotTheRunners() {
        noClasses().that(in(Module.UI)).should().dependOnClassesThat(in(Module.GPU_RUNNERS)).check(all);
    }

    @Test
    void viewsCallServicesNotResources() {
        noClasses().that(in(Module.UI)).should(Layering.dependOn(Layering.RESOURCE)).check(all);
    }

    @Test
    void viewsLeaveEntityWritesToServices() {
        noClasses().that(in(Module.UI)).should(Layering.writeEntitiesDirectly()).check(all);
    }

    /** The module predicates see what they name: each module's classes are there, and only under its own folder. */
    @Test
    void everyModuleIsSeen() {
        for (Module m : Module.values()) {
            assertTrue(all.stream().anyMatch(in(m)), "no classes found for " + m.dir);
        }
        JavaClass contractClass = all.get(io.modelhub.contract.RunnerProtocol.class);
        assertTrue(in(Module.CONTRACT).test(contractClass) && !in(Module.GPU_RUNNERS).test(contractClass));
    }
}
