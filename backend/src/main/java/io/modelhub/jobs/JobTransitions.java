package io.modelhub.jobs;

import io.modelhub.platform.ApiException;
import io.modelhub.platform.ChangeNotifications;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;

import java.util.List;
import java.util.Optional;

/**
 * The one place a job's state changes. Each move locks the job's row, checks the move against
 * {@link JobState}'s table and writes the new state with the columns that go with it, so no code path can take a
 * job where the table does not allow (a succeeded job back to running, a queued job straight to succeeded).
 */
@ApplicationScoped
public class JobTransitions {
    @Inject
    EntityManager em;
    @Inject
    ChangeNotifications notifications;

    /** The job's state with its row locked until the transaction ends, so that a decision on it stays true. */
    @Transactional(Transactional.TxType.MANDATORY)
    public JobState lock(long jobId) {
        List<?> rows = em.createNativeQuery("select state from jobs where id = ?1 for update").setParameter(1, jobId).getResultList();
        if (rows.isEmpty()) {
            throw ApiException.notFound("Job " + jobId + " not found");
        }
        return JobState.of((String) rows.get(0));
    }

    /**
     * Moves the job to {@code to} if the table allows it from its current state, else refuses (409, nothing written).
     *
     * @param alsoSet   further assignments of the same update ("finished_at = now(), error = :error"), or ""; they
     *                  name their values as {@code :name} parameters
     * @param namesAndValues the values of those parameters: name, value, name, value, ...
     * @return the state the job left
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public JobState move(long jobId, JobState to, String alsoSet, Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("Parameters come in name, value pairs");
        }
        JobState from = lock(jobId);
        from.requireCanBecome(jobId, to);
        Query update = em.createNativeQuery("update jobs set state = :to" + (alsoSet.isBlank() ? "" : ", " + alsoSet) + " where id = :id")
                .setParameter("to", to.wire()).setParameter("id", jobId);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            update.setParameter((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        update.executeUpdate();
        changed(jobId);
        return from;
    }

    /**
     * Moves the one job that {@code pick} selects from {@code from} to {@code to}, in one statement. {@code pick} is a
     * subquery answering at most one job id, which may use the parameter {@code :from} and must lock the row it
     * answers ({@code for update skip locked}: concurrent picks then take different jobs and none waits on another);
     * the update checks the state again. The move is checked against the table like {@link #move}.
     *
     * @param returning the columns to answer besides {@code id}, over the moved row ({@code jobs}), after the move
     * @return the moved job's {@code id} and {@code returning} columns; empty when pick found nothing
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<Tuple> movePicked(JobState from, JobState to, String pick, String alsoSet, String returning,
                                      Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("Parameters come in name, value pairs");
        }
        if (!from.canBecome(to)) {
            throw new IllegalArgumentException("A " + from + " job cannot become " + to);
        }
        Query update = em.createNativeQuery("update jobs set state = :to" + (alsoSet.isBlank() ? "" : ", " + alsoSet)
                        + " where id = (" + pick + ") and state = :from returning id" + (returning.isBlank() ? "" : ", " + returning),
                        Tuple.class)
                .setParameter("to", to.wire()).setParameter("from", from.wire());
        for (int i = 0; i < namesAndValues.length; i += 2) {
            update.setParameter((String) namesAndValues[i], namesAndValues[i + 1]);
        }
        List<?> rows = update.getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Tuple moved = (Tuple) rows.get(0);
        changed(moved.get("id", Number.class).longValue());
        return Optional.of(moved);
    }

    private void changed(long jobId) {
        // the job's page, the jobs list and the runners page (a runner's current job) all show a job's state
        notifications.publishAll(ChangeNotifications.job(jobId), ChangeNotifications.JOBS, ChangeNotifications.RUNNERS);
    }
}
