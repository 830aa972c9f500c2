package io.modelhub.hf;

import io.modelhub.accounts.CurrentViewer;
import io.modelhub.downloads.ByteRange;
import io.modelhub.downloads.DownloadService;
import io.modelhub.platform.ApiExceptionMapper;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoType;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * File downloads on the Hugging Face URL scheme: {@code /{ns}/{name}/resolve/{rev}/{path}} (datasets under
 * {@code /datasets/}). Headers follow the HF clients' contract: X-Repo-Commit, quoted ETag (git sha1, or sha256
 * for LFS files with X-Linked-Etag/X-Linked-Size), exact Content-Length on HEAD, Range answered with 206.
 */
@Path("/")
public class HfResolveResource {
    @Inject
    DownloadService downloads;
    @Inject
    CurrentViewer viewer;

    @GET
    @Path("{ns}/{name}/resolve/{rev}/{path: .+}")
    @Operation(summary = "Download a model file (HF resolve URL)")
    public Response getModelFile(@PathParam("ns") String ns, @PathParam("name") String name, @PathParam("rev") String rev,
                                 @PathParam("path") String path, @HeaderParam("Range") String range,
                                 @QueryParam("download") String download) {
        return serve(RepoType.MODEL, ns, name, rev, path, range, true, download);
    }

    @HEAD
    @Path("{ns}/{name}/resolve/{rev}/{path: .+}")
    public Response headModelFile(@PathParam("ns") String ns, @PathParam("name") String name, @PathParam("rev") String rev,
                                  @PathParam("path") String path) {
        return serve(RepoType.MODEL, ns, name, rev, path, null, false, null);
    }

    @GET
    @Path("datasets/{ns}/{name}/resolve/{rev}/{path: .+}")
    @Operation(summary = "Download a dataset file (HF resolve URL)")
    public Response getDatasetFile(@PathParam("ns") String ns, @PathParam("name") String name, @PathParam("rev") String rev,
                                   @PathParam("path") String path, @HeaderParam("Range") String range,
                                   @QueryParam("download") String download) {
        return serve(RepoType.DATASET, ns, name, rev, path, range, true, download);
    }

    @HEAD
    @Path("datasets/{ns}/{name}/resolve/{rev}/{path: .+}")
    public Response headDatasetFile(@PathParam("ns") String ns, @PathParam("name") String name, @PathParam("rev") String rev,
                                    @PathParam("path") String path) {
        return serve(RepoType.DATASET, ns, name, rev, path, null, false, null);
    }

    private Response serve(RepoType type, String ns, String name, String rev, String path, String rangeHeader,
                           boolean body, String download) {
        DownloadService.Located located;
        try {
            located = downloads.locate(viewer.get(), new RepoName(type, ns, name), rev, path);
        } catch (DownloadService.MissingEntry missing) {
            // Python caches "this file does not exist at this commit"; it needs the commit to do so.
            Response r = ApiExceptionMapper.error(404, "EntryNotFound", "Entry not found");
            return Response.fromResponse(r).header("X-Repo-Commit", missing.commitId()).build();
        }
        long size = located.file().size();
        Optional<ByteRange> range;
        try {
            range = ByteRange.parse(rangeHeader, size);
        } catch (ByteRange.Unsatisfiable e) {
            return Response.fromResponse(ApiExceptionMapper.error(416, null, e.getMessage()))
                    .header("Content-Range", "bytes */" + size).build();
        }
        String etag = "\"" + located.file().etag() + "\"";
        Response.ResponseBuilder r = Response.status(range.isPresent() ? 206 : 200)
                .type("application/octet-stream")
                .header("ETag", etag)
                .header("X-Repo-Commit", located.commitId())
                .header("Accept-Ranges", "bytes")
                .header("Content-Length", range.map(ByteRange::length).orElse(size))
                .header("Access-Control-Expose-Headers", "X-Repo-Commit, X-Request-Id, X-Error-Code, X-Error-Message, "
                        + "X-Total-Count, ETag, Link, Accept-Ranges, Content-Range, X-Linked-Size, X-Linked-Etag");
        if (located.file().lfs()) {
            r.header("X-Linked-Etag", etag).header("X-Linked-Size", size);
        }
        range.ifPresent(br -> r.header("Content-Range", br.contentRange(size)));
        if (download != null && !download.equalsIgnoreCase("false")) {
            r.header("Content-Disposition", "attachment; filename*=UTF-8''"
                    + URLEncoder.encode(located.file().name(), StandardCharsets.UTF_8).replace("+", "%20"));
        }
        if (body) {
            ByteRange br = range.orElse(null);
            r.entity((StreamingOutput) out -> downloads.stream(located, br, out));
        }
        return r.build();
    }
}
