package io.modelhub.jobs;

import io.modelhub.platform.ApiException;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job state machine against the real database: its CHECK constraints, every move of the table, the API's 409. */
@QuarkusTest
class JobStatesTest {
    @Inject
    EntityManager em;
    @Inject
    JobTransitions transitions;

    @Test
    void theCheckConstraintsListExactlyTheEnum() {
        Set<String> names = Arrays.stream(JobState.values()).map(JobState::wire).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(names, allowedByConstraint("jobs", "jobs_state_check"));
        assertEquals(names, allowedByConstraint("job_events", "job_events_state_check"));
    }

    @Test
    void theDatabaseRefusesAStateTheEnumDoesNotHave() {
        long id = job(JobState.QUEUED);
        assertThrows(PersistenceException.class, () -> QuarkusTransaction.requiringNew().run(() ->
                em.createNativeQuery("update jobs set state = 'paused' where id = ?1").setParameter(1, id).executeUpdate()));
        assertEquals(JobState.QUEUED, stateOf(id));
    }

    /** The table as docs/jobs.md states it; a change to either must change both. */
    @Test
    void theTableIsTheDocumentedOne() {
        Map<JobState, Set<JobState>> documented = new EnumMap<>(Map.of(
                JobState.QUEUED, EnumSet.of(JobState.RUNNING, JobState.CANCELLED),
                JobState.RUNNING, EnumSet.of(JobState.QUEUED, JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED),
                JobState.SUCCEEDED, EnumSet.noneOf(JobState.class),
                JobState.FAILED, EnumSet.of(JobState.QUEUED),
                JobState.CANCELLED, EnumSet.of(JobState.QUEUED)));
        for (JobState s : JobState.values()) {
            assertEquals(documented.get(s), s.next(), "moves from " + s);
        }
    }

    @Test
    void everyLegalMoveIsWrittenAndEveryOtherRefused() {
        for (JobState from : JobState.values()) {
            for (JobState to : JobState.values()) {
                long id = job(from);
                if (from.canBecome(to)) {
                    JobState left = QuarkusTransaction.requiringNew().call(() -> transitions.move(id, to, "error = :why", "why", "test"));
                    assertEquals(from, left);
                    assertEquals(to, stateOf(id), from + " -> " + to);
                    // the timeline trigger saw the move
                    assertEquals(List.of(from.wire(), to.wire()), em.createNativeQuery("select state from job_events where job_id = ?1 "
                            + "order by id").setParameter(1, id).getResultList());
                } else {
                    ApiException refused = assertThrows(ApiException.class, () -> QuarkusTransaction.requiringNew()
                            .run(() -> transitions.move(id, to, "error = :why", "why", "test")), from + " -> " + to);
                    assertEquals(409, refused.status());
                    assertTrue(refused.getMessage().startsWith("Job " + id + " is " + from.wire() + "; it cannot become " + to.wire()),
                            refused.getMessage());
                    assertEquals(from, stateOf(id), "a refused move writes nothing");
                }
            }
        }
    }

    @Test
    void theApiAnswersAnIllegalMoveWith409() {
        long succeeded = job(JobState.SUCCEEDED);
        HubApi.asAdmin().post("/api/jobs/" + succeeded + "/retry").then().statusCode(409)
                .body("error", equalTo("Job " + succeeded + " is succeeded; it cannot become queued (a succeeded job never changes again)"));
        HubApi.asAdmin().post("/api/jobs/" + succeeded + "/cancel").then().statusCode(409)
                .body("error", startsWith("Job " + succeeded + " is succeeded; it cannot become cancelled"));
        long failed = job(JobState.FAILED);
        HubApi.asAdmin().post("/api/jobs/" + failed + "/cancel").then().statusCode(409)
                .body("error", equalTo("Job " + failed + " is failed; it cannot become cancelled (a failed job can only become queued)"));
        HubApi.asAdmin().post("/api/jobs/" + failed + "/retry").then().statusCode(200).body("state", equalTo(JobState.QUEUED.wire()));
        HubApi.asAdmin().post("/api/jobs/" + failed + "/cancel").then().statusCode(200).body("state", equalTo(JobState.CANCELLED.wire()));
        HubApi.asAdmin().get("/api/jobs?state=paused").then().statusCode(400)
                .body("error", equalTo("Unknown job state 'paused' (known: " + JobState.wireNames() + ")"));
    }

    private Set<String> allowedByConstraint(String table, String constraint) {
        String definition = (String) em.createNativeQuery("select pg_get_constraintdef(c.oid) from pg_constraint c "
                        + "where c.conname = ?1 and c.conrelid = cast(?2 as regclass)").setParameter(1, constraint)
                .setParameter(2, table).getSingleResult();
        Set<String> values = new TreeSet<>();
        Matcher quoted = Pattern.compile("'([^']*)'").matcher(definition);
        while (quoted.find()) {
            values.add(quoted.group(1));
        }
        return values;
    }

    /** A job row in the given state, owned by the admin; it names no real recipe, so no runner ever claims it. */
    private long job(JobState state) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery("insert into jobs (owner_id, recipe_id, "
                        + "recipe_version, params, dataset, dataset_revision, state) select id, 'state-machine-test', '1', "
                        + "cast('{}' as jsonb), 'admin/state-machine-test', repeat('0', 40), ?1 from accounts where username = ?2 "
                        + "returning id").setParameter(1, state.wire()).setParameter(2, HubServicesResource.ADMIN).getSingleResult())
                .longValue());
    }

    private JobState stateOf(long id) {
        return QuarkusTransaction.requiringNew().call(() -> JobState.of((String) em.createNativeQuery("select state from jobs where id = ?1")
                .setParameter(1, id).getSingleResult()));
    }
}
