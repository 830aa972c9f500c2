package io.modelhub.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.accounts.CurrentViewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.LfsRule;
import io.modelhub.commits.RepoFile;
import io.modelhub.platform.AnonymousBody;
import io.modelhub.platform.ApiException;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.storage.inspect.InspectionException;
import io.modelhub.storage.inspect.ModelCard;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The calls before an upload: README front-matter validation and preupload (which files go through LFS). */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class HfPreuploadResource {
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    CurrentViewer viewer;

    @POST
    @Path("validate-yaml")
    @AnonymousBody
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Check a README's YAML front matter (always answers JSON: errors and warnings)")
    public Response validateYaml(JsonNode body) {
        String content = body == null ? null : body.path("content").asText(null);
        if (content == null) {
            return Response.status(400).entity(Map.of("error", "Body must be JSON with \"content\"",
                    "errors", List.of(Map.of("message", "Body must be JSON with \"content\"")), "warnings", List.of())).build();
        }
        try {
            ModelCard.parse(content);
        } catch (InspectionException e) {
            // huggingface_hub turns errors[].message into a ValueError before anything is uploaded
            return Response.status(400).entity(Map.of("error", e.getMessage(),
                    "errors", List.of(Map.of("message", e.getMessage())), "warnings", List.of())).build();
        }
        return Response.ok(Map.of("errors", List.of(), "warnings", List.of())).build();
    }

    @POST
    @Path("{type: models|datasets}/{ns}/{name}/preupload/{rev: .+}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Tell the client which files to upload through LFS, and the oids already stored")
    public Map<String, Object> preupload(@PathParam("type") String type, @PathParam("ns") String ns,
                                         @PathParam("name") String name, JsonNode body, @Context UriInfo uri) {
        Repo repo = repos.writable(viewer.get(), new RepoName(RepoType.fromId(type), ns, name));
        if (body == null || !body.path("files").isArray()) {
            throw ApiException.badRequest("Body must be JSON with \"files\": [{path, size, sample}]");
        }
        String rev = String.join("/", HfRevisions.segmentsAfter(uri, "/" + ns + "/" + name + "/preupload/"));
        String commitId = commits.resolve(repo, rev);
        Map<String, RepoFile> existing = commits.files(commitId).stream()
                .collect(Collectors.toMap(RepoFile::path, Function.identity()));
        List<Map<String, Object>> files = new ArrayList<>();
        for (JsonNode f : body.path("files")) {
            String path = f.path("path").asText(null);
            if (path == null) {
                throw ApiException.badRequest("Every file needs a \"path\"");
            }
            long size = f.path("size").asLong(0);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", path);
            // small files go inline whatever their type (the commit still lists them as LFS by its own rule)
            boolean lfs = LfsRule.uploadsThroughLfs(path, size);
            m.put("uploadMode", lfs ? "lfs" : "regular");
            m.put("shouldIgnore", false);
            RepoFile old = existing.get(path);
            if (old != null) {
                // the oid the client computes for that upload mode, so an unchanged file is skipped
                m.put("oid", lfs ? old.sha256() : old.gitSha1());
            }
            files.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("files", files);
        out.put("commitOid", commitId);
        return out;
    }
}
