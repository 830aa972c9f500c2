package io.modelhub.repos;

import io.modelhub.accounts.CurrentViewer;
import io.modelhub.platform.AnonymousBody;
import io.modelhub.platform.ApiException;
import io.modelhub.runners.RunnerCalls;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.Provider;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Access before work: a call that sends a body to a repository ({@code {ns}/{name}} in its path) is refused as
 * the resource method would refuse it (404 for a repository the caller cannot see, 401/403 for one it cannot
 * write) before a byte of the body is read. Without it, 500 MB posted anonymously to a repository that does not
 * exist would be read to the end before the 404. Runs after the token filter, on the worker thread, after
 * matching and before the body is deserialised (Quarkus REST reads the body of a blocking method only to build
 * its parameters).
 * <p>
 * A body-taking call without a repository in its path (repos/create, jobs, benchmarks, ...) needs a signed-in caller
 * unless its method is {@link AnonymousBody}: an anonymous one is refused (401) here, before its body is read, where
 * the method itself would refuse it only after reading up to the JSON cap. Runner calls are left to
 * {@link io.modelhub.runners.RunnerCredentialFilter}, which has refused them without a runner credential already.
 */
@Provider
@Priority(Priorities.USER + 10)
public class RepoAccessFilter implements ContainerRequestFilter {
    /** Marks a body-taking method that only reads the repository (paths-info): visibility is enough. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    public @interface ReadsOnly {
    }

    @Inject
    RepoService repos;
    @Inject
    CheckedRepo checked;
    @Inject
    CurrentViewer viewer;
    @Context
    ResourceInfo resource;

    @Override
    public void filter(ContainerRequestContext request) {
        String method = request.getMethod();
        if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD) || method.equals(HttpMethod.OPTIONS)) {
            return;
        }
        MultivaluedMap<String, String> params = request.getUriInfo().getPathParameters();
        String ns = params.getFirst("ns");
        String name = params.getFirst("name");
        if (resource.getResourceMethod() == null) {
            return;
        }
        if (ns == null || name == null) {
            if (viewer.get().anonymous() && !resource.getResourceMethod().isAnnotationPresent(AnonymousBody.class)
                    && !resource.getResourceClass().isAnnotationPresent(RunnerCalls.class)) {
                throw ApiException.unauthorized("You must be signed in (or send a token) to do this");
            }
            return;
        }
        String type = params.getFirst("type");
        RepoType repoType = type != null ? RepoType.fromId(type)
                : request.getUriInfo().getPath().startsWith("datasets/") || request.getUriInfo().getPath().startsWith("/datasets/")
                ? RepoType.DATASET : RepoType.MODEL;
        RepoName repoName = new RepoName(repoType, ns, name);
        if (resource.getResourceMethod().isAnnotationPresent(ReadsOnly.class)) {
            checked.visible(viewer.get(), repoName);
        } else {
            repos.writable(viewer.get(), repoName);
        }
    }
}
