package io.modelhub.runners;

import io.modelhub.contract.RunnerProtocol;
import io.modelhub.platform.ApiExceptionMapper;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;

import java.util.Optional;

/**
 * Keeps runners and users apart. Runner calls ({@link RunnerCalls}) need a valid, unrevoked runner credential: no
 * credential is 401, a user token 403. A runner credential anywhere else is 403, so a stolen runner credential reads
 * no repository and a runner host reaches nothing beyond the protocol. Runs after matching, so the resource is known.
 */
@Provider
public class RunnerCredentialFilter implements ContainerRequestFilter {
    @Inject
    RunnerCredentialService credentials;
    @Inject
    CurrentRunner current;
    @Context
    ResourceInfo resource;

    @Override
    public void filter(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
        boolean runnerCredential = token != null && token.startsWith(RunnerProtocol.CREDENTIAL_PREFIX);
        boolean runnerCall = resource != null && resource.getResourceClass() != null
                && resource.getResourceClass().isAnnotationPresent(RunnerCalls.class);
        if (!runnerCall) {
            if (runnerCredential) {
                request.abortWith(ApiExceptionMapper.error(403, null,
                        "A runner credential can only make runner calls (" + RunnerProtocol.ROOT + "/...)"));
            }
            return;
        }
        if (token == null) {
            request.abortWith(ApiExceptionMapper.error(401, null, "Runner calls need a runner credential "
                    + "(Authorization: Bearer mhr_...); an admin issues one on the Runners page"));
            return;
        }
        if (!runnerCredential) {
            request.abortWith(ApiExceptionMapper.error(403, null, "User tokens cannot make runner calls; a runner "
                    + "registers with a runner credential (mhr_...) that an admin issues"));
            return;
        }
        Optional<RunnerIdentity> identity = credentials.authenticate(token);
        if (identity.isEmpty()) {
            request.abortWith(ApiExceptionMapper.error(401, null, "This runner credential is revoked or unknown; "
                    + "ask an admin for a new one"));
            return;
        }
        current.set(identity.get());
    }
}
