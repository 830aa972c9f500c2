package io.modelhub.jobs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.modelhub.platform.ApiException;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The states of a job and the one table of the moves between them. The database stores {@link #wire()} (a CHECK
 * constraint lists exactly these values), the API and the UI show it; {@link JobTransitions#move} is the only code
 * that changes a job's state, and it refuses any move this table does not hold.
 */
public enum JobState {
    /** Waiting for a runner; also again after a lease ran out with attempts left, or after a retry. */
    QUEUED,
    /** Held by a runner under a lease. */
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    private static final Map<JobState, Set<JobState>> NEXT = new EnumMap<>(JobState.class);

    static {
        // claimed by a runner, or cancelled before any runner took it
        NEXT.put(QUEUED, EnumSet.of(RUNNING, CANCELLED));
        // QUEUED: the lease ran out with attempts left, or the runner gave the job back
        NEXT.put(RUNNING, EnumSet.of(QUEUED, SUCCEEDED, FAILED, CANCELLED));
        NEXT.put(SUCCEEDED, EnumSet.noneOf(JobState.class));
        // a retry
        NEXT.put(FAILED, EnumSet.of(QUEUED));
        NEXT.put(CANCELLED, EnumSet.of(QUEUED));
    }

    /** The name stored in jobs.state and job_events.state, and shown by the API. */
    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The state as a quoted SQL literal, for a native query that cannot take it as a parameter. */
    public String sql() {
        return "'" + wire() + "'";
    }

    /** The states this one may become, in declaration order. */
    public Set<JobState> next() {
        return Collections.unmodifiableSet(NEXT.get(this));
    }

    public boolean canBecome(JobState to) {
        return NEXT.get(this).contains(to);
    }

    /** Queued or running: the job may still change without anybody asking. */
    public boolean active() {
        return this == QUEUED || this == RUNNING;
    }

    /** The refusal of a move the table does not hold, worded for the API (409). */
    public void requireCanBecome(long jobId, JobState to) {
        if (!canBecome(to)) {
            Set<JobState> next = next();
            throw ApiException.conflict("Job " + jobId + " is " + this + "; it cannot become " + to + " ("
                    + (next.isEmpty() ? "a " + this + " job never changes again" : "a " + this + " job can only become "
                    + next.stream().map(JobState::wire).collect(Collectors.joining(" or "))) + ")");
        }
    }

    /** The state stored as {@code wire}; the database's CHECK constraint keeps anything else out. */
    @JsonCreator
    public static JobState of(String wire) {
        for (JobState s : values()) {
            if (s.wire().equals(wire)) {
                return s;
            }
        }
        throw new IllegalArgumentException("Unknown job state '" + wire + "'");
    }

    /** A state a caller typed (a filter): unknown names are the caller's mistake (400). */
    public static JobState parse(String given) {
        try {
            return of(given == null ? null : given.trim().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("Unknown job state '" + given + "' (known: " + wireNames() + ")");
        }
    }

    /** "queued, running, ...": for messages. */
    public static String wireNames() {
        return Arrays.stream(values()).map(JobState::wire).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return wire();
    }
}
