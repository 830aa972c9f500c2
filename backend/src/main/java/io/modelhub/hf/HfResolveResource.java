package io.modelhub.hf;

import io.modelhub.accounts.CurrentViewer;
import io.modelhub.commits.RepoFile;
import io.modelhub.downloads.ByteRange;
import io.modelhub.downloads.DownloadService;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ApiExceptionMapper;
import io.modelhub.platform.ModelHubConfig;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.blobs.GitOids;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * File downloads on the Hugging Face URL scheme: {@code /{ns}/{name}/resolve/{rev}/{path}} and {@code /raw/}
 * (datasets under {@code /datasets/}). Headers follow the HF clients' contract: X-Repo-Commit, quoted ETag (git
 * sha1, or sha256 for LFS files with X-Linked-Etag/X-Linked-Size), exact Content-Length on HEAD, Range answered
 * with 206, and X-Error-Code on every refusal, HEAD included (headers are all a HEAD answer has).
 */
@Path("/")
public class HfResolveResource {
    static final String EXPOSED = "X-Repo-Commit, X-Request-Id, X-Error-Code, X-Error-Message, "
            + "X-Total-Count, ETag, Link, Accept-Ranges, Content-Range, X-Linked-Size, X-Linked-Etag";
    /**
     * The store checks a presigned GET when the transfer starts, so a slow download of a large file outlives it; short,
     * so that a link handed out before a repo turned private or was deleted soon stops working. Each HEAD or GET
     * hands out a fresh one.
     */
    static final Duration REDIRECT_TTL = Duration.ofMinutes(15);

    @Inject
    DownloadService downloads;
    @Inject
    RepoService repos;
    @Inject
    CurrentViewer viewer;
    @Inject
    HfRevisions revisions;
    @Inject
    BlobStore store;
    @Inject
    ModelHubConfig config;
    @Inject
    io.modelhub.xet.XetService xet;
    @Inject
    HfUrls urls;
    static final String XET_FILE_INFO = "application/vnd.xet-fileinfo+json";

    @GET
    @Path("{ns}/{name}/resolve/{rest: .+}")
    @Operation(summary = "Download a model file (HF resolve URL)")
    public Response getModelFile(@PathParam("ns") String ns, @PathParam("name") String name, @HeaderParam("Range") String range,
                                 @QueryParam("download") String download, @HeaderParam("Accept") String accept,
                                 @Context UriInfo uri) {
        return serve(RepoType.MODEL, ns, name, "resolve", uri, range, true, download, accept);
    }

    @HEAD
    @Path("{ns}/{name}/resolve/{rest: .+}")
    public Response headModelFile(@PathParam("ns") String ns, @PathParam("name") String name, @Context UriInfo uri) {
        return serve(RepoType.MODEL, ns, name, "resolve", uri, null, false, null, null);
    }

    @GET
    @Path("datasets/{ns}/{name}/resolve/{rest: .+}")
    @Operation(summary = "Download a dataset file (HF resolve URL)")
    public Response getDatasetFile(@PathParam("ns") String ns, @PathParam("name") String name, @HeaderParam("Range") String range,
                                   @QueryParam("download") String download, @HeaderParam("Accept") String accept,
                                   @Context UriInfo uri) {
        return serve(RepoType.DATASET, ns, name, "resolve", uri, range, true, download, accept);
    }

    @HEAD
    @Path("datasets/{ns}/{name}/resolve/{rest: .+}")
    public Response headDatasetFile(@PathParam("ns") String ns, @PathParam("name") String name, @Context UriInfo uri) {
        return serve(RepoType.DATASET, ns, name, "resolve", uri, null, false, null, null);
    }

    @GET
    @Path("{ns}/{name}/raw/{rest: .+}")
    @Operation(summary = "A model file as git holds it (LFS files: their pointer file)")
    public Response getModelRaw(@PathParam("ns") String ns, @PathParam("name") String name, @HeaderParam("Range") String range,
                                @Context UriInfo uri) {
        return serve(RepoType.MODEL, ns, name, "raw", uri, range, true, null, null);
    }

    @HEAD
    @Path("{ns}/{name}/raw/{rest: .+}")
    public Response headModelRaw(@PathParam("ns") String ns, @PathParam("name") String name, @Context UriInfo uri) {
        return serve(RepoType.MODEL, ns, name, "raw", uri, null, false, null, null);
    }

    @GET
    @Path("datasets/{ns}/{name}/raw/{rest: .+}")
    @Operation(summary = "A dataset file as git holds it (LFS files: their pointer file)")
    public Response getDatasetRaw(@PathParam("ns") String ns, @PathParam("name") String name, @HeaderParam("Range") String range,
                                  @Context UriInfo uri) {
        return serve(RepoType.DATASET, ns, name, "raw", uri, range, true, null, null);
    }

    @HEAD
    @Path("datasets/{ns}/{name}/raw/{rest: .+}")
    public Response headDatasetRaw(@PathParam("ns") String ns, @PathParam("name") String name, @Context UriInfo uri) {
        return serve(RepoType.DATASET, ns, name, "raw", uri, null, false, null, null);
    }

    private Response serve(RepoType type, String ns, String name, String kind, UriInfo uri, String rangeHeader,
                           boolean body, String download, String accept) {
        try {
            return locateAndServe(type, ns, name, kind, uri, rangeHeader, body, download, accept);
        } catch (DownloadService.MissingEntry missing) {
            // Python caches "this file does not exist at this commit"; it needs the commit to do so.
            return Response.fromResponse(ApiExceptionMapper.error(404, "EntryNotFound", "Entry not found"))
                    .header("X-Repo-Commit", missing.commitId()).build();
        } catch (ApiException e) {
            // every refusal of a download carries a code: on HEAD the headers are all the client sees
            return ApiExceptionMapper.error(e.status(), e.errorCode() != null ? e.errorCode() : defaultCode(e.status()), e.getMessage());
        }
    }

    private Response locateAndServe(RepoType type, String ns, String name, String kind, UriInfo uri, String rangeHeader,
                                    boolean body, String download, String accept) {
        RepoName repoName = new RepoName(type, ns, name);
        Repo repo = repos.visible(viewer.get(), repoName);
        HfRevisions.Split at = revisions.split(repo, HfRevisions.segmentsAfter(uri, "/" + ns + "/" + name + "/" + kind + "/"), true);
        DownloadService.Located located = downloads.locate(viewer.get(), repoName, at.commitId(), at.path());
        RepoFile file = located.file();
        if (kind.equals("raw") && file.lfs()) {
            return pointer(located, rangeHeader, body);
        }
        String etag = "\"" + file.etag() + "\"";
        long size = file.size();
        if (kind.equals("resolve") && file.lfs() && accept != null && accept.contains(XET_FILE_INFO)) {
            // a Xet client (the npm client sends this Accept): a file registered through Xet is answered with its
            // Xet hash and where to plan its download; any other file is served as usual
            Optional<String> xetHash = xet.xetHashOfSha256(file.sha256());
            if (xetHash.isPresent()) {
                String base = urls.base(uri).replaceAll("/+$", "");
                String refresh = base + "/api/" + type.plural() + "/" + repoName.id() + "/xet-read-token/" + located.commitId();
                String reconstruction = base + "/v1/reconstructions/" + xetHash.get();
                return Response.ok(Map.of("hash", xetHash.get(), "etag", file.etag(), "size", size,
                                "refreshUrl", refresh, "reconstructionUrl", reconstruction), XET_FILE_INFO)
                        .header("ETag", etag).header("X-Linked-Etag", etag).header("X-Linked-Size", size)
                        .header("X-Repo-Commit", located.commitId()).header("X-Xet-Hash", xetHash.get())
                        .header("Link", "<" + refresh + ">; rel=\"xet-auth\", <" + reconstruction + ">; rel=\"xet-reconstruction-info\"")
                        .header("Access-Control-Expose-Headers", EXPOSED + ", X-Xet-Hash").build();
            }
        }
        if (kind.equals("resolve") && file.lfs() && config.lfs().redirectDownloads()) {
            boolean probe = rangeHeader != null && rangeHeader.replace(" ", "").equals("bytes=0-0");
            if (body && !probe) {
                repos.recordDownload(repo.id, file.path());
            }
            // Python reads X-Linked-Etag/X-Linked-Size from this answer and does not follow it on HEAD
            return Response.status(302).location(URI.create(store.presignedGetUrl(file.sha256(), REDIRECT_TTL)))
                    .header("ETag", etag).header("X-Linked-Etag", etag).header("X-Linked-Size", size)
                    .header("X-Repo-Commit", located.commitId())
                    .header("Access-Control-Expose-Headers", EXPOSED).build();
        }
        Optional<ByteRange> range;
        try {
            range = ByteRange.parse(rangeHeader, size);
        } catch (ByteRange.Unsatisfiable e) {
            return Response.fromResponse(ApiExceptionMapper.error(416, "RangeNotSatisfiable", e.getMessage()))
                    .header("Content-Range", "bytes */" + size).header("X-Repo-Commit", located.commitId()).build();
        }
        Response.ResponseBuilder r = Response.status(range.isPresent() ? 206 : 200)
                .type("application/octet-stream")
                .header("ETag", etag)
                .header("X-Repo-Commit", located.commitId())
                .header("Accept-Ranges", "bytes")
                .header("Content-Length", range.map(ByteRange::length).orElse(size))
                .header("Access-Control-Expose-Headers", EXPOSED);
        if (file.lfs()) {
            r.header("X-Linked-Etag", etag).header("X-Linked-Size", size);
        }
        range.ifPresent(br -> r.header("Content-Range", br.contentRange(size)));
        if (download != null && !download.equalsIgnoreCase("false")) {
            r.header("Content-Disposition", "attachment; filename*=UTF-8''"
                    + URLEncoder.encode(file.name(), StandardCharsets.UTF_8).replace("+", "%20"));
        }
        if (body) {
            ByteRange br = range.orElse(null);
            r.entity((StreamingOutput) out -> downloads.stream(located, br, out));
        }
        return r.build();
    }

    /** What git holds for an LFS file: the pointer, with the pointer's own git blob id as ETag. */
    private static Response pointer(DownloadService.Located located, String rangeHeader, boolean body) {
        RepoFile file = located.file();
        byte[] bytes = GitOids.lfsPointer(file.sha256(), file.size()).getBytes(StandardCharsets.UTF_8);
        Optional<ByteRange> range;
        try {
            range = ByteRange.parse(rangeHeader, bytes.length);
        } catch (ByteRange.Unsatisfiable e) {
            return Response.fromResponse(ApiExceptionMapper.error(416, "RangeNotSatisfiable", e.getMessage()))
                    .header("Content-Range", "bytes */" + bytes.length).build();
        }
        byte[] served = range.map(br -> Arrays.copyOfRange(bytes, (int) br.start(), (int) br.endInclusive() + 1)).orElse(bytes);
        Response.ResponseBuilder r = Response.status(range.isPresent() ? 206 : 200)
                .type("text/plain; charset=utf-8")
                .header("ETag", "\"" + GitOids.blobSha1(bytes) + "\"")
                .header("X-Repo-Commit", located.commitId())
                .header("Accept-Ranges", "bytes")
                .header("Content-Length", served.length)
                .header("Access-Control-Expose-Headers", EXPOSED);
        range.ifPresent(br -> r.header("Content-Range", br.contentRange(bytes.length)));
        if (body) {
            r.entity(served);
        }
        return r.build();
    }

    private static String defaultCode(int status) {
        return switch (status) {
            case 400 -> "BadRequest";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "NotFound";
            default -> "Error";
        };
    }
}
