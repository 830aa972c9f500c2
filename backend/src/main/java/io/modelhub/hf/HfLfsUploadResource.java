package io.modelhub.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.platform.AnonymousBody;
import io.modelhub.platform.BodyLimit;
import io.modelhub.storage.blobs.StoredBlob;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hub-signed URLs of the LFS batch answer. They carry their own authorisation (an HMAC over the object,
 * size and expiry; see {@link LfsTicket}): the clients send no token to upload URLs.
 */
@Path("/api")
public class HfLfsUploadResource {
    @Inject
    LfsUploads uploads;
    @Inject
    ObjectMapper json;

    @PUT
    @Path("lfs/uploads/{id}")
    @Consumes(MediaType.WILDCARD)
    @BodyLimit(BodyLimit.Kind.FILE)
    @AnonymousBody
    @Operation(summary = "LFS single-PUT upload (URL from the batch API)")
    public Response putWhole(@BeanParam Signed signed, InputStream body) {
        LfsTicket t = signed.verify(uploads);
        StoredBlob blob = uploads.putWhole(t, body);
        return Response.ok(done(blob), MediaType.APPLICATION_JSON).build();
    }

    @PUT
    @Path("lfs/uploads/{id}/part/{n}")
    @Consumes(MediaType.WILDCARD)
    @BodyLimit(BodyLimit.Kind.FILE)
    @AnonymousBody
    @Operation(summary = "LFS multipart upload: one part (URL from the batch API); answers the part's ETag")
    public Response putPart(@BeanParam Signed signed, @PathParam("n") int partNumber, InputStream body) {
        LfsTicket t = signed.verify(uploads);
        String etag = uploads.putPart(t, partNumber, body);
        return Response.ok().header("ETag", etag).build();
    }

    @POST
    @Path("lfs/uploads/{id}/complete")
    @AnonymousBody
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "LFS multipart upload: completion {oid, parts: [{partNumber, etag}]}")
    public Response complete(@BeanParam Signed signed, byte[] body) throws IOException {
        LfsTicket t = signed.verify(uploads);
        JsonNode request = body == null || body.length == 0 ? null : json.readTree(body);
        StoredBlob blob = uploads.complete(t, request);
        return Response.ok(done(blob), MediaType.APPLICATION_JSON).build();
    }

    @POST
    @Path("lfs/uploads/{id}/verify")
    @AnonymousBody
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "LFS verify after a direct single PUT to the object store")
    public Response verify(@BeanParam Signed signed) {
        LfsTicket t = signed.verify(uploads);
        return Response.ok(done(uploads.verify(t)), MediaType.APPLICATION_JSON).build();
    }

    /** The path and query of a hub-signed upload URL; every field is covered by the signature. */
    public static class Signed {
        @PathParam("id")
        String id;
        @QueryParam("oid")
        String oid;
        @QueryParam("size")
        String size;
        @QueryParam("chunk")
        String chunk;
        @QueryParam("upload")
        String upload;
        @QueryParam("expires")
        String expires;
        @QueryParam("account")
        String account;
        @QueryParam("to")
        String to;
        @QueryParam("signature")
        String signature;

        LfsTicket verify(LfsUploads uploads) {
            return uploads.ticket(id, oid, size, chunk, upload, expires, account, to, signature);
        }
    }

    private static Map<String, Object> done(StoredBlob blob) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("success", true);
        m.put("oid", blob.sha256());
        m.put("size", blob.size());
        return m;
    }
}
