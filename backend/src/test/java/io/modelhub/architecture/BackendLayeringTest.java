package io.modelhub.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backend's layering as rules the build checks: feature packages without cycles, REST resources that call
 * services (never another resource, never an entity's writing methods).
 */
class BackendLayeringTest {
    static JavaClasses backend;

    @BeforeAll
    static void importBackend() {
        // the backend's own main classes only: gpu-runners' test jar on this classpath shares the io.modelhub.runners package
        Path classes = Path.of("target", "classes");
        assertTrue(Files.isDirectory(classes.resolve("io/modelhub")), "compile the backend first: " + classes.toAbsolutePath());
        backend = new ClassFileImporter().importPath(classes);
    }

    /**
     * A feature that must react to another's change observes its event (RepoCreated, FileCommitting,
     * DefaultBranchMoved, JobSucceeded, RunnerRetired) instead of being called by it.
     */
    @Test
    void featurePackagesHaveNoCycles() {
        slices().matching("io.modelhub.(*)..").should().beFreeOfCycles().check(backend);
    }

    @Test
    void resourcesCallServicesNotOtherResources() {
        noClasses().that(Layering.RESOURCE).should(Layering.dependOnAnotherEndpoint()).check(backend);
    }

    @Test
    void resourcesLeaveEntityWritesToServices() {
        noClasses().that(Layering.RESOURCE).should(Layering.writeEntitiesDirectly()).check(backend);
    }

    /** The rules bite: classes that do what they forbid are reported, and a clean one is not. */
    @Test
    void theRulesSeeWhatTheyForbid() {
        var endpoint = Layering.Samples.ENDPOINT;
        JavaClasses samples = new ClassFileImporter().importClasses(Layering.Samples.Endpoint.class,
                Layering.Samples.EndpointCallingEndpoint.class, Layering.Samples.EndpointWritingEntity.class);
        assertTrue(noClasses().that(endpoint).should(Layering.dependOn(endpoint)).evaluate(samples).hasViolation());
        assertTrue(noClasses().that(endpoint).should(Layering.writeEntitiesDirectly()).evaluate(samples).hasViolation());
        JavaClasses clean = new ClassFileImporter().importClasses(Layering.Samples.Endpoint.class);
        assertFalse(noClasses().that(endpoint).should(Layering.dependOn(endpoint)).evaluate(clean).hasViolation());
        assertFalse(noClasses().that(endpoint).should(Layering.writeEntitiesDirectly()).evaluate(clean).hasViolation());
    }
}
