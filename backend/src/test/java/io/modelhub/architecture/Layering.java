package io.modelhub.architecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import io.modelhub.repos.Repo;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

import java.lang.annotation.Annotation;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.util.Set;

/** The predicates and conditions of the layering rules, shared by the backend's and the UI's tests. */
public final class Layering {
    private Layering() {
    }

    /** REST resources: the classes JAX-RS serves. */
    public static final DescribedPredicate<JavaClass> RESOURCE = annotatedWith(jakarta.ws.rs.Path.class, "REST resources");

    /** Panache's writing methods, static (Repo.deleteAll()) or on an instance (repo.persist()). */
    static final Set<String> ENTITY_WRITES = Set.of("persist", "persistAndFlush", "delete", "deleteAll", "deleteById", "update", "flush");

    public static DescribedPredicate<JavaClass> annotatedWith(Class<? extends Annotation> annotation, String description) {
        return DescribedPredicate.describe(description, c -> c.isAnnotatedWith(annotation));
    }

    /** Depend on a class that {@code endpoint} matches, other than itself, its own nested classes and its enclosing class. */
    public static ArchCondition<JavaClass> dependOn(DescribedPredicate<JavaClass> endpoint) {
        return new ArchCondition<>("depend on " + endpoint.getDescription() + " (call a service instead)") {
            @Override
            public void check(JavaClass origin, ConditionEvents events) {
                for (Dependency d : origin.getDirectDependenciesFromSelf()) {
                    JavaClass target = d.getTargetClass();
                    JavaClass base = target.getBaseComponentType();
                    if (!within(base, origin) && !within(origin, base) && endpoint.test(base)) {
                        events.add(SimpleConditionEvent.satisfied(origin, d.getDescription()));
                    }
                }
            }
        };
    }

    public static ArchCondition<JavaClass> dependOnAnotherEndpoint() {
        return dependOn(RESOURCE);
    }

    /** Call Panache's writing methods on an entity: writes belong to the feature's service. */
    public static ArchCondition<JavaClass> writeEntitiesDirectly() {
        return new ArchCondition<>("write entities directly (persist, delete, update: the feature's service does that)") {
            @Override
            public void check(JavaClass origin, ConditionEvents events) {
                for (JavaMethodCall call : origin.getMethodCallsFromSelf()) {
                    if (call.getTargetOwner().isAssignableTo(PanacheEntityBase.class) && ENTITY_WRITES.contains(call.getName())) {
                        events.add(SimpleConditionEvent.satisfied(call, call.getDescription()));
                    }
                }
            }
        };
    }

    /** {@code c} is {@code outer} or one of its nested classes. */
    private static boolean within(JavaClass c, JavaClass outer) {
        for (JavaClass k = c; k != null; k = k.getEnclosingClass().orElse(null)) {
            if (k.equals(outer)) {
                return true;
            }
        }
        return false;
    }

    /** What the rules forbid, to show that they see it; never run, and not annotated as real resources are (Quarkus would serve them). */
    static final class Samples {
        private Samples() {
        }

        @Retention(RetentionPolicy.RUNTIME)
        @interface SampleEndpoint {
        }

        static final DescribedPredicate<JavaClass> ENDPOINT = annotatedWith(SampleEndpoint.class, "sample endpoints");

        @SampleEndpoint
        static class Endpoint {
            String hello() {
                return "hello";
            }
        }

        @SampleEndpoint
        static class EndpointCallingEndpoint {
            String relay(Endpoint other) {
                return other.hello();
            }
        }

        @SampleEndpoint
        static class EndpointWritingEntity {
            void wipe(Repo repo) {
                repo.persist();
                Repo.deleteAll();
            }
        }
    }
}
