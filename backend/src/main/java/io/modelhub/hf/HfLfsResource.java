package io.modelhub.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.accounts.CurrentViewer;
import io.modelhub.accounts.Viewer;
import io.modelhub.platform.ApiException;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The git-lfs batch API on the repository's git URL ({@code /{ns}/{name}.git/info/lfs/objects/batch}), as the
 * HF clients call it before committing large files. Objects already stored that the caller may reference (see
 * {@link io.modelhub.commits.BlobClaims}) get no actions (the client skips them); the others get self-authorising
 * upload URLs, single PUT or multipart, also when the object exists: the answer never tells "stored, but not
 * yours" from "absent". A client that lists the {@code xet} transfer (and a hub with modelhub.xet.enabled) gets
 * {@code transfer: "xet"}: each object to send names the xet-write-token URL and carries a CAS token in its
 * headers, and the client sends xorbs and a shard to the CAS instead (io.modelhub.xet).
 */
@Path("/")
public class HfLfsResource {
    static final String LFS_JSON = "application/vnd.git-lfs+json";

    @Inject
    RepoService repos;
    @Inject
    CurrentViewer viewer;
    @Inject
    LfsUploads uploads;
    @Inject
    HfUrls urls;
    @Inject
    ObjectMapper json;
    @Inject
    io.modelhub.xet.XetTokens xetTokens;
    @Inject
    io.modelhub.platform.ModelHubConfig config;

    @POST
    @Path("{ns}/{name}.git/info/lfs/objects/batch")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "git-lfs batch API of a model repository (upload)")
    public Response modelBatch(@PathParam("ns") String ns, @PathParam("name") String name, byte[] body, @Context UriInfo uri)
            throws IOException {
        return batch(new RepoName(RepoType.MODEL, ns, name), body, uri);
    }

    @POST
    @Path("datasets/{ns}/{name}.git/info/lfs/objects/batch")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "git-lfs batch API of a dataset repository (upload)")
    public Response datasetBatch(@PathParam("ns") String ns, @PathParam("name") String name, byte[] body, @Context UriInfo uri)
            throws IOException {
        return batch(new RepoName(RepoType.DATASET, ns, name), body, uri);
    }

    private Response batch(RepoName name, byte[] body, UriInfo uri) throws IOException {
        Viewer v = viewer.get();
        repos.writable(v, name);
        JsonNode request;
        try {
            request = json.readTree(body == null ? new byte[0] : body);
        } catch (IOException e) {
            throw ApiException.badRequest("The batch request is not JSON: " + e.getMessage());
        }
        if (request == null || !request.path("objects").isArray()) {
            throw ApiException.badRequest("The batch request needs \"objects\": [{oid, size}]");
        }
        String operation = request.path("operation").asText("upload");
        if (!operation.equals("upload")) {
            throw ApiException.badRequest("Only the upload operation is offered here; download through /resolve/ URLs");
        }
        String algo = request.path("hash_algo").asText("sha256");
        if (!algo.equals("sha256") && !algo.equals("sha_256")) {
            throw ApiException.badRequest("Only sha256 object ids are supported, not " + algo);
        }
        boolean multipartOffered = false;
        boolean xetOffered = false;
        for (JsonNode t : request.path("transfers")) {
            multipartOffered |= t.asText().equals("multipart");
            xetOffered |= t.asText().equals("xet");
        }
        String base = urls.base(uri);
        Map<String, Object> xetUpload = null;
        if (xetOffered && config.xet().enabled()) {
            io.modelhub.xet.XetTokens.Issued token = xetTokens.forRepo(v, name, true, base);
            String rev = request.path("ref").path("name").asText("main");
            xetUpload = Map.of("href", base + "/api/" + name.type().plural() + "/" + name.id() + "/xet-write-token/"
                    + java.net.URLEncoder.encode(rev, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20"),
                    "header", token.headers());
        }
        List<Map<String, Object>> objects = new ArrayList<>();
        boolean anyMultipart = false;
        for (JsonNode o : request.path("objects")) {
            Map<String, Object> answer = uploads.batchObject(v, base, o.path("oid").asText(""), o.path("size").asLong(-1), multipartOffered,
                    xetUpload);
            objects.add(answer);
            anyMultipart |= answer.get("actions") instanceof Map<?, ?> actions
                    && actions.get("upload") instanceof Map<?, ?> upload && upload.containsKey("header");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("transfer", xetUpload != null ? "xet" : anyMultipart ? "multipart" : "basic");
        out.put("objects", objects);
        out.put("hash_algo", "sha256");
        return Response.ok(json.writeValueAsBytes(out), LFS_JSON).build();
    }
}
