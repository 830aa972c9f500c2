package io.modelhub.jobs;

/**
 * The attempt of a job a runner says it holds; every runner call about a job names one, and is accepted only while
 * that attempt holds the job's lease.
 */
public record RunnerLease(long runnerId, long jobId, int attempt) {
}
