package io.modelhub.jobs;

import io.modelhub.platform.ApiException;
import io.modelhub.platform.ChangeNotifications;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;

import java.util.List;

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
        // the job's page, the jobs list and the runners page (a runner's current job) all show a job's state
        notifications.publish(ChangeNotifications.job(jobId));
        notifications.publish(ChangeNotifications.JOBS);
        notifications.publish(ChangeNotifications.RUNNERS);
        return from;
    }
}
