package io.modelhub.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.accounts.CurrentViewer;
import io.modelhub.commits.CommitService;
import io.modelhub.platform.ApiException;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoAccessFilter;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Browsing a revision: tree listings, paths-info, refs, and creating or deleting branches and tags. */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class HfTreeResource {
    /** Page sizes: lastCommit costs a history walk per entry, so expanded pages are smaller. */
    static final int PAGE = 1000;
    static final int EXPANDED_PAGE = 50;
    private static final Pattern REF_NAME = Pattern.compile("^[A-Za-z0-9._][A-Za-z0-9._/-]{0,199}$");

    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    CurrentViewer viewer;
    @Inject
    HfRevisions revisions;
    @Inject
    HfTreeItems items;
    @Inject
    HfUrls urls;
    @Inject
    ObjectMapper json;

    @GET
    @Path("{type: models|datasets}/{ns}/{name}/tree/{rest: .+}")
    @Operation(summary = "List a folder at a revision (recursive, expand with lastCommit); paginated by Link rel=next")
    public Response tree(@PathParam("type") String type, @PathParam("ns") String ns, @PathParam("name") String name,
                         @QueryParam("recursive") String recursive, @QueryParam("expand") String expand,
                         @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit, @Context UriInfo uri) {
        RepoName repoName = new RepoName(RepoType.fromId(type), ns, name);
        Repo repo = repos.visible(viewer.get(), repoName);
        HfRevisions.Split at = revisions.split(repo, HfRevisions.segmentsAfter(uri, "/" + ns + "/" + name + "/tree/"), false);
        RepoTree tree = new RepoTree(commits.files(at.commitId()));
        if (!at.path().isEmpty() && !tree.isFolder(at.path())) {
            // transformers probes optional folders this way: a missing folder must be EntryNotFound
            throw ApiException.entryNotFound(at.path());
        }
        boolean expanded = HfRevisions.bool(expand);
        int pageSize = Math.max(1, Math.min(limit == null ? Integer.MAX_VALUE : limit, expanded ? EXPANDED_PAGE : PAGE));
        List<RepoTree.Entry> all = tree.list(at.path(), HfRevisions.bool(recursive));
        int from = cursor == null ? 0 : parseCursor(cursor);
        int to = Math.min(all.size(), from + pageSize);
        List<Map<String, Object>> page = new ArrayList<>();
        for (RepoTree.Entry e : all.subList(Math.min(from, all.size()), to)) {
            page.add(items.item(e, at.commitId(), expanded));
        }
        Response.ResponseBuilder r = Response.ok(page);
        if (to < all.size()) {
            // pinned to the commit: every page lists the same snapshot even if the branch moves meanwhile
            String next = urls.base(uri) + "/api/" + repoName.type().plural() + "/" + repo.fullId() + "/tree/" + at.commitId()
                    + (at.path().isEmpty() ? "" : "/" + encodePath(at.path()))
                    + "?recursive=" + HfRevisions.bool(recursive) + "&expand=" + expanded
                    + "&limit=" + pageSize + "&cursor=" + to;
            r.header("Link", "<" + next + ">; rel=\"next\"");
        }
        return r.build();
    }

    @POST
    @Path("{type: models|datasets}/{ns}/{name}/paths-info/{rev: .+}")
    @Consumes(MediaType.WILDCARD)
    @RepoAccessFilter.ReadsOnly
    @Operation(summary = "Tree items for the given paths (form paths=a&paths=b or JSON {paths, expand})")
    public List<Map<String, Object>> pathsInfo(@PathParam("type") String type, @PathParam("ns") String ns,
                                               @PathParam("name") String name, @HeaderParam("Content-Type") String contentType,
                                               byte[] body, @Context UriInfo uri) throws IOException {
        Repo repo = repos.visible(viewer.get(), new RepoName(RepoType.fromId(type), ns, name));
        String rev = String.join("/", HfRevisions.segmentsAfter(uri, "/" + ns + "/" + name + "/paths-info/"));
        String commitId = commits.resolve(repo, rev);
        Set<String> paths = new LinkedHashSet<>();
        boolean expand = false;
        String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
        if (contentType != null && contentType.toLowerCase().contains("json")) {
            JsonNode node = text.isBlank() ? json.createObjectNode() : json.readTree(text);
            node.path("paths").forEach(p -> paths.add(p.asText()));
            if (node.path("paths").isTextual()) {
                paths.add(node.path("paths").asText());
            }
            expand = node.path("expand").asBoolean(false) || HfRevisions.bool(node.path("expand").asText(null));
        } else {
            for (String pair : text.split("&")) {
                int eq = pair.indexOf('=');
                if (pair.isEmpty() || eq < 0) {
                    continue;
                }
                String key = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                switch (key) {
                    case "paths", "paths[]" -> paths.add(value);
                    case "expand", "expand[]" -> expand = HfRevisions.bool(value);
                    default -> {
                    }
                }
            }
        }
        RepoTree tree = new RepoTree(commits.files(commitId));
        List<Map<String, Object>> out = new ArrayList<>();
        for (String path : paths) {
            RepoTree.Entry e = tree.entry(path);
            if (e != null && !e.path().isEmpty()) {
                out.add(items.item(e, commitId, expand));
            }
        }
        return out;
    }

    @GET
    @Path("{type: models|datasets}/{ns}/{name}/refs")
    @Operation(summary = "Branches and tags (converts and pullRequests are always empty)")
    public Map<String, Object> refs(@PathParam("type") String type, @PathParam("ns") String ns, @PathParam("name") String name,
                                    @QueryParam("include_prs") String includePrs) {
        Repo repo = repos.visible(viewer.get(), new RepoName(RepoType.fromId(type), ns, name));
        List<Map<String, Object>> branches = new ArrayList<>();
        List<Map<String, Object>> tags = new ArrayList<>();
        for (CommitService.Ref ref : commits.refs(repo)) {
            boolean tag = ref.kind().equals("tag");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", ref.name());
            m.put("ref", (tag ? "refs/tags/" : "refs/heads/") + ref.name());
            m.put("targetCommit", ref.commitId());
            (tag ? tags : branches).add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("branches", branches);
        out.put("converts", List.of());
        out.put("tags", tags);
        out.put("pullRequests", List.of());
        return out;
    }

    @POST
    @Path("{type: models|datasets}/{ns}/{name}/branch/{branch: .+}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Create a branch at startingPoint (default: the default branch's head)")
    public Map<String, Object> createBranch(@PathParam("type") String type, @PathParam("ns") String ns,
                                            @PathParam("name") String name, byte[] body, @Context UriInfo uri) throws IOException {
        Repo repo = repos.writable(viewer.get(), new RepoName(RepoType.fromId(type), ns, name));
        String branch = refName(String.join("/", HfRevisions.segmentsAfter(uri, "/" + ns + "/" + name + "/branch/")));
        JsonNode node = body == null || body.length == 0 ? json.createObjectNode() : json.readTree(body);
        String start = node.path("startingPoint").asText(null);
        commits.createRef(repo, "branch", branch, commits.resolve(repo, start));
        return Map.of();
    }

    @DELETE
    @Path("{type: models|datasets}/{ns}/{name}/branch/{branch: .+}")
    @Operation(summary = "Delete a branch")
    public Map<String, Object> deleteBranch(@PathParam("type") String type, @PathParam("ns") String ns,
                                            @PathParam("name") String name, @Context UriInfo uri) {
        Repo repo = repos.writable(viewer.get(), new RepoName(RepoType.fromId(type), ns, name));
        commits.deleteRef(repo, "branch", String.join("/", HfRevisions.segmentsAfter(uri, "/" + ns + "/" + name + "/branch/")));
        return Map.of();
    }

    @POST
    @Path("{type: models|datasets}/{ns}/{name}/tag/{rev: .+}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Tag a revision: body {\"tag\": \"v1.0\", \"message\": \"...\"}")
    public Map<String, Object> createTag(@PathParam("type") String type, @PathParam("ns") String ns,
                                         @PathParam("name") String name, byte[] body, @Context UriInfo uri) throws IOException {
        Repo repo = repos.writable(viewer.get(), new RepoName(RepoType.fromId(type), ns, name));
        String rev = String.join("/", HfRevisions.segmentsAfter(uri, "/" + ns + "/" + name + "/tag/"));
        JsonNode node = body == null || body.length == 0 ? json.createObjectNode() : json.readTree(body);
        String tag = refName(node.path("tag").asText(null));
        commits.createRef(repo, "tag", tag, commits.resolve(repo, rev));
        return Map.of();
    }

    @DELETE
    @Path("{type: models|datasets}/{ns}/{name}/tag/{tag: .+}")
    @Operation(summary = "Delete a tag")
    public Map<String, Object> deleteTag(@PathParam("type") String type, @PathParam("ns") String ns,
                                         @PathParam("name") String name, @Context UriInfo uri) {
        Repo repo = repos.writable(viewer.get(), new RepoName(RepoType.fromId(type), ns, name));
        commits.deleteRef(repo, "tag", String.join("/", HfRevisions.segmentsAfter(uri, "/" + ns + "/" + name + "/tag/")));
        return Map.of();
    }

    /** Git's ref-name rules, simplified; and never something that reads as a commit id or HEAD. */
    static String refName(String name) {
        if (name == null || !REF_NAME.matcher(name).matches() || name.contains("..") || name.contains("//")
                || name.endsWith("/") || name.endsWith(".lock") || name.endsWith(".") || name.equals("HEAD")
                || name.startsWith("refs/") || name.matches("^[0-9a-f]{7,40}$")) {
            throw ApiException.badRequest("Invalid branch or tag name '" + name + "'");
        }
        return name;
    }

    private static int parseCursor(String cursor) {
        try {
            return Math.max(0, Integer.parseInt(cursor));
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("Invalid cursor '" + cursor + "'");
        }
    }

    static String encodePath(String path) {
        StringBuilder sb = new StringBuilder();
        for (String segment : path.split("/")) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return sb.toString();
    }
}
