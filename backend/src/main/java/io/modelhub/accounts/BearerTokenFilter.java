package io.modelhub.accounts;

import io.modelhub.platform.ApiExceptionMapper;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;

/**
 * "Authorization: Bearer hf_..." on API requests. No header = anonymous; a header with an unknown token is
 * refused outright (401) rather than silently treated as anonymous, so a typo does not hide private repos.
 * Runner credentials (mhr_...) are not users: they leave the viewer anonymous, and the runner credential filter
 * refuses them everywhere but on runner calls.
 */
@Provider
public class BearerTokenFilter implements ContainerRequestFilter {
    @Inject
    AccountService accounts;
    @Inject
    CurrentViewer current;

    @Override
    public void filter(ContainerRequestContext request) {
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header == null || header.isBlank()) {
            return;
        }
        String token = header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
        if (token.startsWith(io.modelhub.contract.RunnerProtocol.CREDENTIAL_PREFIX)) {
            return; // a runner credential, never a user: io.modelhub.runners.RunnerCredentialFilter decides
        }
        if (token.startsWith("xet_")) {
            return; // a CAS token (io.modelhub.xet.XetTokens), valid on the CAS endpoints only, which check it
        }
        accounts.viewerForToken(token).ifPresentOrElse(current::set, () -> request.abortWith(
                ApiExceptionMapper.error(401, null, "Invalid credentials in Authorization header")));
    }
}
