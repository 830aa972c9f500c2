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
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The CAS endpoints of the Xet protocol (xet-core spec/api.md), at {@code {casUrl}/v1/...} where casUrl is the hub
 * (and {@code /v2/reconstructions}, the download planning call of the npm client).
 * Callers authenticate with the CAS tokens of {@link XetTokens}, never with hf_ tokens: to the hub's filters they
 * are anonymous ({@link AnonymousBody}), and each method checks its token before it reads a byte of the body.
 */
@Path("/")
public class CasResource {
    private static final java.util.regex.Pattern RANGE = java.util.regex.Pattern.compile("^bytes=(\\d+)-(\\d*)$");

    @Inject
    XetTokens tokens;
    @Inject
    XetService xet;
    @Inject
    io.modelhub.platform.ModelHubConfig config;

    @POST
    @Path("v1/xorbs/{prefix}/{hash}")
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
    @Path("v1/shards")
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
    @Path("v1/chunks/{prefix}/{hash}")
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

    @GET
    @Path("v2/reconstructions/{file}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Xet: how to rebuild a file (or a byte range of it) from xorbs, with signed xorb URLs")
    public Map<String, Object> reconstruction(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                                              @PathParam("file") String file, @HeaderParam("Range") String range,
                                              @Context UriInfo uri) {
        XetTokens.Grant grant = tokens.verify(authorization, false);
        XetHash h = hash(file);
        long start = 0;
        long end = Long.MAX_VALUE;
        if (range != null && !range.isBlank()) {
            java.util.regex.Matcher m = RANGE.matcher(range.replace(" ", ""));
            if (!m.matches()) {
                throw ApiException.badRequest("Range must be bytes=<start>-<end>, not " + range);
            }
            start = Long.parseLong(m.group(1));
            end = m.group(2).isEmpty() ? Long.MAX_VALUE : Long.parseLong(m.group(2));
            if (end < start) {
                throw ApiException.badRequest("Range " + range + " ends before it starts");
            }
        }
        String base = config.publicUrl().orElseGet(() -> uri.getBaseUri().toString()).replaceAll("/+$", "");
        long expires = java.time.Instant.now().plus(config.xet().tokenTtl()).getEpochSecond();
        return xet.reconstruction(grant, h, start, end, (xorb, from, to) ->
                        base + "/v1/fetch/" + xorb + "?" + tokens.fetchQuery(xorb.toString(), from, to, expires))
                .orElseThrow(() -> ApiException.notFound("File " + h + " is not in this token's repository"));
    }

    @GET
    @Path("v1/fetch/{hash}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "Xet: serialized bytes of a xorb, through a hub-signed URL from a reconstruction (Range within the signed bytes)")
    public Response fetch(@PathParam("hash") String hash, @QueryParam("from") long from, @QueryParam("to") long to,
                          @QueryParam("exp") long expires, @QueryParam("sig") String signature,
                          @HeaderParam("Range") String range) {
        tokens.verifyFetch(hash, from, to, expires, signature);
        XetHash h = hash(hash);
        long a = from;
        long b = to;
        if (range != null && !range.isBlank()) {
            java.util.regex.Matcher m = RANGE.matcher(range.replace(" ", ""));
            if (!m.matches() || m.group(2).isEmpty()) {
                throw ApiException.badRequest("Range must be one bytes=<start>-<end> inside the signed bytes");
            }
            a = Long.parseLong(m.group(1));
            b = Long.parseLong(m.group(2));
            if (a < from || b > to || b < a) {
                throw ApiException.forbidden("Range " + range + " is outside the bytes this URL was signed for");
            }
        }
        long first = a;
        long last = b;
        StreamingOutput body = out -> {
            try (InputStream in = xet.openXorb(h, first, last)) {
                in.transferTo(out);
            }
        };
        return Response.status(range == null ? 200 : 206).entity(body).header("Content-Length", b - a + 1)
                .header("Content-Range", "bytes " + a + "-" + b + "/*").build();
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
