package io.modelhub.xet;

import io.modelhub.accounts.CurrentViewer;
import io.modelhub.platform.ModelHubConfig;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoType;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Xet token endpoints of the HF API: a short-lived CAS token for one repository, read or write, with the CAS
 * URL and the expiry, in the JSON body (the npm client) and in the X-Xet-* headers (huggingface_hub / hf_xet); and
 * the storage figures of Xet for admins.
 */
@Path("/api")
public class XetTokenResource {
    @Inject
    XetTokens tokens;
    @Inject
    CurrentViewer viewer;
    @Inject
    ModelHubConfig config;
    @Inject
    XetService xet;

    @GET
    @Path("{type: models|datasets}/{ns}/{name}/xet-write-token/{rev: .+}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Xet CAS token for uploads to a repository (needs write access)")
    public Response writeToken(@PathParam("type") String type, @PathParam("ns") String ns, @PathParam("name") String name,
                               @Context UriInfo uri) {
        return answer(tokens.forRepo(viewer.get(), new RepoName(RepoType.fromId(type), ns, name), true, base(uri)));
    }

    @GET
    @Path("{type: models|datasets}/{ns}/{name}/xet-read-token/{rev: .+}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Xet CAS token for downloads from a repository (needs read access)")
    public Response readToken(@PathParam("type") String type, @PathParam("ns") String ns, @PathParam("name") String name,
                              @Context UriInfo uri) {
        return answer(tokens.forRepo(viewer.get(), new RepoName(RepoType.fromId(type), ns, name), false, base(uri)));
    }

    @GET
    @Path("admin/xet/storage")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Xet storage for admins: xorbs, stored and chunk bytes, file bytes, dedup ratio, per repository")
    public Map<String, Object> storage() {
        io.modelhub.accounts.Viewer v = viewer.get();
        if (v.anonymous()) {
            throw io.modelhub.platform.ApiException.unauthorized("This needs an admin token");
        }
        if (!v.admin()) {
            throw io.modelhub.platform.ApiException.forbidden("Only admins see the hub's storage figures");
        }
        return xet.storage();
    }

    private String base(UriInfo uri) {
        return config.publicUrl().orElseGet(() -> uri.getBaseUri().toString());
    }

    private static Response answer(XetTokens.Issued issued) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accessToken", issued.accessToken());
        body.put("exp", issued.expires());
        body.put("casUrl", issued.casUrl());
        Response.ResponseBuilder r = Response.ok(body, MediaType.APPLICATION_JSON);
        issued.headers().forEach(r::header);
        return r.build();
    }
}
