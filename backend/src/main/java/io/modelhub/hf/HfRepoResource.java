package io.modelhub.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.accounts.CurrentViewer;
import io.modelhub.accounts.Viewer;
import io.modelhub.catalog.CatalogQuery;
import io.modelhub.catalog.CatalogService;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.RepoFile;
import io.modelhub.platform.ApiException;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.storage.blobs.GitOids;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;

import io.modelhub.commits.FileChange;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Repositories through the Hugging Face Hub API: the hub's one HTTP API for repositories. */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class HfRepoResource {
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    CatalogService catalog;
    @Inject
    CurrentViewer viewer;
    @Inject
    HfUrls urls;

    @POST
    @Path("repos/create")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a model or dataset repository")
    public Response create(JsonNode body, @Context UriInfo uri) {
        if (body == null || !body.hasNonNull("name")) {
            throw ApiException.badRequest("Body must be JSON with at least \"name\"");
        }
        Viewer v = viewer.get();
        if (v.anonymous()) {
            throw ApiException.unauthorized("Creating a repository needs a token (Authorization: Bearer hf_...)");
        }
        RepoType type = RepoType.fromId(text(body, "type"));
        String name = body.get("name").asText();
        String namespace = text(body, "organization");
        if (name.contains("/")) {
            RepoName parsed = RepoName.parse(type, name);
            namespace = parsed.namespace();
            name = parsed.name();
        }
        if (namespace == null) {
            namespace = v.username();
        }
        boolean privateRepo = body.has("visibility") ? "private".equals(text(body, "visibility"))
                : body.path("private").asBoolean(false);
        RepoName repoName = new RepoName(type, namespace, name);
        try {
            Repo repo = repos.create(v, repoName, privateRepo);
            commitInitialFiles(repo, body.path("files"), v);
            return Response.ok(Map.of("url", urls.repoUrl(uri, repo), "name", repo.fullId(), "id", String.valueOf(repo.id))).build();
        } catch (ApiException e) {
            if (e.status() == 409) {
                String url = urls.base(uri) + "/" + type.webPrefix() + repoName.id();
                return Response.status(409).entity(Map.of("error", e.getMessage(), "url", url))
                        .header("X-Error-Message", e.getMessage()).build();
            }
            throw e;
        }
    }

    /** The JS client's createRepo may carry files (base64): they must be there once the call returns. */
    private void commitInitialFiles(Repo repo, JsonNode files, Viewer v) {
        if (!files.isArray() || files.isEmpty()) {
            return;
        }
        List<FileChange> changes = new ArrayList<>();
        for (JsonNode f : files) {
            String path = text(f, "path");
            String encoding = f.path("encoding").asText("base64");
            if (path == null || !f.hasNonNull("content")) {
                throw ApiException.badRequest("Every file needs \"path\" and \"content\"");
            }
            byte[] bytes = encoding.equals("base64") ? Base64.getDecoder().decode(f.get("content").asText())
                    : f.get("content").asText().getBytes(StandardCharsets.UTF_8);
            changes.add(FileChange.put(path, commits.store(new ByteArrayInputStream(bytes), bytes.length, v)));
        }
        commits.commit(repo, CommitService.DEFAULT_BRANCH, null, changes, "Add files", "", v);
    }

    @DELETE
    @Path("repos/delete")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Delete a repository; blobs no other commit uses are freed")
    public Response delete(JsonNode body) {
        if (body == null || !body.hasNonNull("name")) {
            throw ApiException.badRequest("Body must be JSON with at least \"name\"");
        }
        RepoType type = RepoType.fromId(text(body, "type"));
        String name = body.get("name").asText();
        RepoName repoName = name.contains("/") ? RepoName.parse(type, name)
                : new RepoName(type, text(body, "organization") == null ? viewer.get().username() : text(body, "organization"), name);
        repos.delete(viewer.get(), repoName);
        return Response.ok().build();
    }

    @PUT
    @Path("{type: models|datasets}/{ns}/{name}/settings")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change a repository's visibility")
    public Response settings(@PathParam("type") String type, @PathParam("ns") String ns, @PathParam("name") String name,
                             JsonNode body) {
        if (body == null || !(body.has("private") || body.has("visibility"))) {
            throw ApiException.badRequest("Body must set \"private\" or \"visibility\"");
        }
        boolean privateRepo = body.has("visibility") ? "private".equals(text(body, "visibility")) : body.get("private").asBoolean();
        List<String> derived = repos.setVisibility(viewer.get(), new RepoName(RepoType.fromId(type), ns, name), privateRepo);
        // HF answers {}; the extra field names the public models trained on a repository just made private
        return Response.ok(derived.isEmpty() ? Map.of() : Map.of("publicDerivatives", derived)).build();
    }

    @GET
    @Path("{type: models|datasets}")
    @Operation(summary = "List or search repositories (HF list_models / list_datasets)")
    public Response list(@PathParam("type") String type, @QueryParam("search") String search, @QueryParam("author") String author,
                         @QueryParam("filter") List<String> filters, @QueryParam("pipeline_tag") String pipelineTag,
                         @QueryParam("sort") String sort, @QueryParam("limit") Integer limit,
                         @QueryParam("offset") Integer offset, @Context UriInfo uri) {
        int size = limit == null ? 100 : Math.max(1, Math.min(limit, 1000));
        int from = offset == null ? 0 : Math.max(0, offset);
        String tag = filters == null || filters.isEmpty() ? null : filters.get(0);
        CatalogQuery q = CatalogQuery.models().withType(RepoType.fromId(type)).withIdContains(search)
                .withFilters(null, pipelineTag, null, null, tag, author).withSort(sortOf(sort)).withPage(from, size);
        CatalogService.Page page = catalog.search(viewer.get(), q);
        List<Map<String, Object>> items = new ArrayList<>();
        for (Repo repo : page.items()) {
            items.add(summary(repo));
        }
        Response.ResponseBuilder r = Response.ok(items).header("X-Total-Count", page.total());
        if (page.items().size() == size) {
            String next = uri.getRequestUriBuilder().replaceQueryParam("offset", from + size)
                    .replaceQueryParam("limit", size).build().toString();
            r.header("Link", "<" + absolute(uri, next) + ">; rel=\"next\"");
        }
        return r.build();
    }

    @GET
    @Path("{type: models|datasets}/{ns}/{name}")
    @Operation(summary = "Repository info at the default branch")
    public Map<String, Object> info(@PathParam("type") String type, @PathParam("ns") String ns, @PathParam("name") String name) {
        return info(RepoType.fromId(type), ns, name, null);
    }

    @GET
    @Path("{type: models|datasets}/{ns}/{name}/revision/{rev: .+}")
    @Operation(summary = "Repository info at a revision (branch, tag, commit or HEAD)")
    public Map<String, Object> infoAt(@PathParam("type") String type, @PathParam("ns") String ns,
                                      @PathParam("name") String name, @Context UriInfo uri) {
        String rev = String.join("/", HfRevisions.segmentsAfter(uri, "/" + ns + "/" + name + "/revision/"));
        return info(RepoType.fromId(type), ns, name, rev);
    }

    @GET
    @Path("whoami-v2")
    @Operation(summary = "The account behind the token")
    public Map<String, Object> whoami() {
        Viewer v = viewer.get();
        if (v.anonymous()) {
            throw ApiException.unauthorized("Invalid credentials in Authorization header");
        }
        Map<String, Object> token = new LinkedHashMap<>();
        token.put("displayName", v.tokenName());
        token.put("role", v.tokenRole());
        token.put("createdAt", HfDates.format(v.tokenCreatedAt()));
        Map<String, Object> me = new LinkedHashMap<>();
        me.put("type", "user");
        me.put("id", String.valueOf(v.accountId()));
        me.put("name", v.username());
        me.put("fullname", v.username());
        me.put("isPro", false);
        me.put("orgs", List.of());
        me.put("auth", Map.of("type", "access_token", "accessToken", token));
        return me;
    }

    @Transactional
    Map<String, Object> info(RepoType type, String ns, String name, String rev) {
        Repo repo = repos.visible(viewer.get(), new RepoName(type, ns, name));
        String sha = commits.resolve(repo, rev);
        Map<String, Object> m = summary(repo);
        m.put("sha", sha);
        m.put("author", repo.namespace);
        if (repo.architectures != null && !repo.architectures.isEmpty() || repo.modelType != null) {
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("architectures", repo.architectures);
            config.put("model_type", repo.modelType);
            m.put("config", config);
        }
        List<Map<String, Object>> siblings = new ArrayList<>();
        for (RepoFile f : commits.files(sha)) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("rfilename", f.path());
            s.put("size", f.size());
            s.put("blobId", RepoTree.fileOid(f));
            if (f.lfs()) {
                s.put("lfs", Map.of("size", f.size(), "sha256", f.sha256(), "pointerSize", GitOids.lfsPointer(f.sha256(), f.size()).length()));
            }
            siblings.add(s);
        }
        m.put("siblings", siblings);
        if (repo.parameters != null) {
            m.put("safetensors", Map.of("parameters", repo.dtypeParameters, "total", repo.parameters));
        }
        m.put("cardData", cardData(repo));
        if (repo.datasetSchema != null) {
            m.put("datasetSchema", repo.datasetSchema);
        }
        m.put("usedStorage", repo.totalSize);
        return m;
    }

    static Map<String, Object> summary(Repo repo) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("_id", String.valueOf(repo.id));
        m.put("id", repo.fullId());
        m.put("private", repo.privateRepo);
        m.put("gated", false);
        m.put("disabled", false);
        m.put("downloads", repo.downloads);
        m.put("likes", repo.likes);
        List<String> tags = new ArrayList<>(repo.tags);
        if (repo.libraryName != null && !tags.contains(repo.libraryName)) {
            tags.add(repo.libraryName);
        }
        m.put("tags", tags);
        if (repo.pipelineTag != null) {
            m.put("pipeline_tag", repo.pipelineTag);
        }
        if (repo.libraryName != null) {
            m.put("library_name", repo.libraryName);
        }
        m.put("createdAt", HfDates.format(repo.createdAt));
        m.put("lastModified", HfDates.format(repo.updatedAt));
        return m;
    }

    private static Map<String, Object> cardData(Repo repo) {
        Map<String, Object> card = new LinkedHashMap<>();
        putIf(card, "license", repo.license);
        putIf(card, "pipeline_tag", repo.pipelineTag);
        putIf(card, "library_name", repo.libraryName);
        if (!repo.languages.isEmpty()) {
            card.put("language", repo.languages);
        }
        if (!repo.datasets.isEmpty()) {
            card.put("datasets", repo.datasets);
        }
        if (!repo.baseModels.isEmpty()) {
            card.put("base_model", repo.baseModels.size() == 1 ? repo.baseModels.get(0) : repo.baseModels);
        }
        if (!repo.tags.isEmpty()) {
            card.put("tags", repo.tags);
        }
        return card;
    }

    private static void putIf(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    private static CatalogQuery.Sort sortOf(String sort) {
        if (sort == null) {
            return CatalogQuery.Sort.UPDATED;
        }
        return switch (sort) {
            case "downloads" -> CatalogQuery.Sort.DOWNLOADS;
            case "likes" -> CatalogQuery.Sort.LIKES;
            case "createdAt", "created_at" -> CatalogQuery.Sort.CREATED;
            case "parameters" -> CatalogQuery.Sort.PARAMETERS;
            case "trendingScore" -> CatalogQuery.Sort.DOWNLOADS;
            default -> CatalogQuery.Sort.UPDATED;
        };
    }

    private String absolute(UriInfo uri, String requestUri) {
        String base = urls.base(uri);
        String path = requestUri.substring(requestUri.indexOf('/', requestUri.indexOf("//") + 2));
        return base + path;
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }
}
