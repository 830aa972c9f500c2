package io.modelhub.xet;

import io.modelhub.platform.AnonymousBody;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.BodyLimit;
import io.modelhub.storage.xet.XetHash;
import io.modelhub.storage.xet.Xorb;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The CAS endpoints of the Xet protocol (xet-core spec/api.md), at {@code {casUrl}/v1/...} where casUrl is the hub.
 * Callers authenticate with the CAS tokens of {@link XetTokens}, never with hf_ tokens: to the hub's filters they
 * are anonymous ({@link AnonymousBody}), and each method checks its token before it reads a byte of the body.
 */
@Path("/v1")
public class CasResource {
    @Inject
    XetTokens tokens;
    @Inject
    XetService xet;

    @POST
    @Path("xorbs/{prefix}/{hash}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @BodyLimit(BodyLimit.Kind.FILE)
    @AnonymousBody
    @Operation(summary = "Xet: upload a xorb (checked against its hash; was_inserted false when already stored)")
    public Map<String, Object> uploadXorb(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                                          @PathParam("prefix") String prefix, @PathParam("hash") String hash,
                                          InputStream body) throws IOException {
        XetTokens.Grant grant = tokens.verify(authorization, true);
        requirePrefix(prefix, "default");
        XetHash h = hash(hash);
        long started = System.nanoTime();
        byte[] bytes = body.readNBytes(Xorb.MAX_BYTES + 1);
        if (bytes.length > Xorb.MAX_BYTES) {
            throw ApiException.badRequest("A xorb is at most " + Xorb.MAX_BYTES + " bytes serialized");
        }
        return Map.of("was_inserted", xet.storeXorb(grant, h, bytes, bytes.length, System.nanoTime() - started));
    }

    @POST
    @Path("shards")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @BodyLimit(BodyLimit.Kind.FILE)
    @AnonymousBody
    @Operation(summary = "Xet: register the files of a shard (refused when a xorb is missing or a hash does not check)")
    public Map<String, Object> uploadShard(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                                           InputStream body) throws IOException {
        XetTokens.Grant grant = tokens.verify(authorization, true);
        byte[] bytes = body.readNBytes(Xorb.MAX_BYTES + 1);
        if (bytes.length > Xorb.MAX_BYTES) {
            throw ApiException.badRequest("A shard is at most " + Xorb.MAX_BYTES + " bytes");
        }
        return Map.of("result", xet.registerShard(grant, bytes));
    }

    @GET
    @Path("chunks/{prefix}/{hash}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "Xet: global deduplication query for a chunk (a shard listing xorbs that hold it, or 404)")
    public Response dedup(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                          @PathParam("prefix") String prefix, @PathParam("hash") String hash) {
        tokens.verify(authorization, false);
        // the npm client sends "default", the spec and the Rust client "default-merkledb"
        if (!prefix.equals("default") && !prefix.equals("default-merkledb")) {
            throw ApiException.badRequest("Unknown prefix " + prefix + ": use default-merkledb");
        }
        XetHash h = hash(hash);
        return xet.dedup(h).map(shard -> Response.ok(shard, MediaType.APPLICATION_OCTET_STREAM).build())
                .orElseThrow(() -> ApiException.notFound("Chunk " + h + " is not tracked for global deduplication"));
    }

    private static void requirePrefix(String prefix, String expected) {
        if (!prefix.equals(expected)) {
            throw ApiException.badRequest("Unknown prefix " + prefix + ": use " + expected);
        }
    }

    private static XetHash hash(String s) {
        if (!XetHash.isHashString(s)) {
            throw ApiException.badRequest("Not a Xet hash: " + s + " (64 lowercase hex digits)");
        }
        return XetHash.parse(s);
    }
}
