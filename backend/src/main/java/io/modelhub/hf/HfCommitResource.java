package io.modelhub.hf;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.accounts.CurrentViewer;
import io.modelhub.commits.Blob;
import io.modelhub.commits.BlobClaims;
import io.modelhub.commits.Commit;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.FileChange;
import io.modelhub.commits.InlineFiles;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.BodyLimit;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.storage.blobs.StoredBlob;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /api/{models|datasets}/{ns}/{name}/commit/{rev}}: the NDJSON commit of huggingface_hub's
 * create_commit and @huggingface/hub's commit(). Inline files are stored as they are read, several at a time
 * ({@link InlineFiles}); LFS files must already be in the store (uploaded through the LFS batch API). All operations
 * become one commit, or none.
 */
@Path("/api")
public class HfCommitResource {
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    CurrentViewer viewer;
    @Inject
    BlobClaims claims;
    @Inject
    HfUrls urls;
    @Inject
    ObjectMapper json;
    @Inject
    InlineFiles inlineFiles;

    @POST
    @Path("{type: models|datasets}/{ns}/{name}/commit/{rev: .+}")
    @Consumes({"application/x-ndjson", MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    @Produces(MediaType.APPLICATION_JSON)
    @BodyLimit(BodyLimit.Kind.COMMIT)
    @Operation(summary = "Create a commit (NDJSON: header, file, lfsFile, deletedFile, deletedFolder)")
    public Map<String, Object> commit(@PathParam("type") String type, @PathParam("ns") String ns, @PathParam("name") String name,
                                      @QueryParam("create_pr") String createPr,
                                      InputStream body, @Context UriInfo uri) throws IOException {
        if (createPr != null && (createPr.equals("1") || createPr.equalsIgnoreCase("true"))) {
            throw ApiException.badRequest("Pull requests are not supported by this hub (create_pr)");
        }
        Repo repo = repos.writable(viewer.get(), new RepoName(RepoType.fromId(type), ns, name));
        String rev = String.join("/", HfRevisions.segmentsAfter(uri, "/" + ns + "/" + name + "/commit/"));
        String branch = rev.startsWith("refs/heads/") ? rev.substring("refs/heads/".length()) : rev;
        Header header = new Header();
        List<FileChange> changes;
        // Streamed with Jackson's parser: inline file contents are base64-decoded straight into a temporary
        // file, never held in memory as one string, and stored while the next ones are read.
        try (InlineFiles.Batch batch = inlineFiles.batch(viewer.get()); JsonParser parser = json.getFactory().createParser(body)) {
            int opNo = 0;
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                opNo++;
                if (token != JsonToken.START_OBJECT) {
                    throw ApiException.badRequest("Operation " + opNo + " of the commit is not a JSON object");
                }
                readOperation(parser, opNo, header, batch);
            }
            changes = batch.changes();
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("The commit body is not valid NDJSON: " + e.getOriginalMessage());
        }
        Commit commit = commits.commit(repo, branch, header.parent, changes, header.summary, header.description, viewer.get());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("success", true);
        answer.put("commitOid", commit.id);
        answer.put("commitUrl", urls.repoUrl(uri, repo) + "/commit/" + commit.id);
        answer.put("hookOutput", "");
        return answer;
    }

    private static final class Header {
        String summary;
        String description = "";
        String parent;
    }

    /** One {"key": ..., "value": {...}} line; both clients write "key" before "value". */
    private void readOperation(JsonParser parser, int opNo, Header header, InlineFiles.Batch changes) throws IOException {
        String key = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            parser.nextToken();
            if (field.equals("key")) {
                key = parser.getValueAsString();
            } else if (field.equals("value")) {
                if (key == null) {
                    throw ApiException.badRequest("Operation " + opNo + ": \"key\" must come before \"value\"");
                }
                readValue(parser, opNo, key, header, changes);
            } else {
                parser.skipChildren();
            }
        }
    }

    private void readValue(JsonParser parser, int opNo, String key, Header header, InlineFiles.Batch changes) throws IOException {
        if (parser.currentToken() != JsonToken.START_OBJECT) {
            throw ApiException.badRequest("Operation " + opNo + ": \"value\" must be an object");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        java.nio.file.Path content = null;
        try {
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken t = parser.nextToken();
                if (field.equals("content") && key.equals("file") && t == JsonToken.VALUE_STRING) {
                    content = Files.createTempFile("modelhub-commit", ".bin");
                    try (OutputStream out = Files.newOutputStream(content)) {
                        parser.readBinaryValue(out);
                    }
                } else if (t.isScalarValue()) {
                    fields.put(field, parser.getValueAsString());
                } else {
                    parser.skipChildren();
                }
            }
            switch (key) {
                case "header" -> {
                    header.summary = fields.get("summary");
                    header.description = fields.getOrDefault("description", "");
                    header.parent = fields.get("parentCommit");
                }
                case "file" -> {
                    String encoding = fields.getOrDefault("encoding", "base64");
                    if (!encoding.equals("base64")) {
                        throw ApiException.badRequest("Operation " + opNo + ": only base64 content is supported");
                    }
                    if (content == null) {
                        throw ApiException.badRequest("Operation " + opNo + ": missing 'content'");
                    }
                    String path = required(fields, "path", opNo);
                    java.nio.file.Path owned = content;
                    content = null; // the batch deletes it once stored
                    changes.put(path, owned);
                }
                case "lfsFile" -> changes.add(FileChange.put(required(fields, "path", opNo), lfs(fields, opNo)));
                case "deletedFile" -> changes.add(FileChange.delete(required(fields, "path", opNo)));
                case "deletedFolder" -> changes.add(FileChange.deleteFolder(required(fields, "path", opNo)));
                default -> throw ApiException.badRequest("Operation " + opNo + ": unknown operation '" + key + "'");
            }
        } finally {
            if (content != null) {
                Files.deleteIfExists(content);
            }
        }
    }

    private StoredBlob lfs(Map<String, String> value, int lineNo) {
        String oid = required(value, "oid", lineNo).toLowerCase();
        if (!oid.matches("^[0-9a-f]{64}$")) {
            throw ApiException.badRequest("Operation " + lineNo + ": oid must be a sha256 (64 hex digits)");
        }
        Blob known = Blob.findById(oid);
        // an object the caller neither uploaded nor can read answers exactly as an absent one
        if (known == null || !claims.mayReference(viewer.get(), oid)) {
            throw ApiException.badRequest("Operation " + lineNo + ": LFS object " + oid + " has not been uploaded");
        }
        String size = value.get("size");
        if (size != null && !size.equals(Long.toString(known.size))) {
            throw ApiException.badRequest("Operation " + lineNo + ": LFS object " + oid + " is " + known.size
                    + " bytes, not " + size);
        }
        return new StoredBlob(known.sha256.trim(), known.gitSha1.trim(), known.size);
    }

    private static String required(Map<String, String> value, String field, int lineNo) {
        String v = value.get(field);
        if (v == null || v.isBlank()) {
            throw ApiException.badRequest("Operation " + lineNo + ": missing '" + field + "'");
        }
        return v;
    }
}
