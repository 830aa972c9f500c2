package io.modelhub.runners;

import io.modelhub.accounts.CurrentViewer;
import io.modelhub.contract.RecipeDescriptor;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.List;

/**
 * Runners as users and admins see them. Who may call what: the runner list needs a signed-in user (owners and other
 * users' current jobs for admins only); the recipes are public (the schemas jobs are validated against); draining and
 * runner credentials are for admins with a write token. The runners' own protocol is {@link io.modelhub.jobs.RunnerProtocolResource}.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class RunnerResource {
    @Inject
    RunnerService runners;
    @Inject
    RunnerCredentialService credentials;
    @Inject
    CurrentViewer viewer;

    @GET
    @Path("runners")
    @Operation(summary = "Runners, their capabilities, state and current job (signed-in users)")
    public List<RunnerService.RunnerView> list() {
        return runners.list(viewer.get());
    }

    @GET
    @Path("recipes")
    @Operation(summary = "The current version of each recipe the runners offer, with its parameter schema and model types (anyone)")
    public List<RecipeDescriptor> recipes() {
        return runners.recipes();
    }

    @POST
    @Path("runners/{id}/drain")
    @Operation(summary = "Drain a runner: it finishes its job and takes no new one (admin)")
    public Response drain(@PathParam("id") long id) {
        runners.drain(viewer.get(), id);
        return Response.noContent().build();
    }

    @POST
    @Path("runner-credentials")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Issue a runner credential (admin); the answer holds its only copy")
    public Response issueCredential(RunnerCredentialService.CreateRequest request) {
        return Response.status(201).entity(credentials.issue(viewer.get(), request == null ? null : request.name())).build();
    }

    @GET
    @Path("runner-credentials")
    @Operation(summary = "Runner credentials, without their secrets (admin)")
    public List<RunnerCredentialService.CredentialView> credentials() {
        return credentials.list(viewer.get());
    }

    @DELETE
    @Path("runner-credentials/{id}")
    @Operation(summary = "Revoke a runner credential: its runner goes offline and its job is requeued (admin)")
    public Response revokeCredential(@PathParam("id") long id) {
        credentials.revoke(viewer.get(), id);
        return Response.noContent().build();
    }
}
