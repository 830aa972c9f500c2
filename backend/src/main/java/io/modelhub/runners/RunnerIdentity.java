package io.modelhub.runners;

/**
 * The runner credential a runner call was made with ({@link RunnerCredentialFilter}); {@code runnerId} is the runner
 * registered with it, null before its first registration.
 */
public record RunnerIdentity(long credentialId, String credentialName, Long runnerId) {
}
