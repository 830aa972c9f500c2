package io.modelhub.hf;

import io.modelhub.platform.AnonymousBody;
import io.modelhub.platform.ApiExceptionMapper;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

/**
 * Any other /api path: a JSON 404 with an error code, so the HF clients report "not offered here" instead of
 * choking on the web UI's HTML page, which is what an unmatched path would otherwise get (telemetry, discussions,
 * agent harnesses and the other Hub features this hub does not have).
 */
@Path("/api")
public class HfFallbackResource {
    private static final String MESSAGE = "This API is not offered by this hub";

    /** Also answers HEAD (JAX-RS runs GET for it); an explicit HEAD here would shadow the other GETs' HEAD. */
    @GET
    @Path("{rest: .*}")
    public Response get() {
        return notFound();
    }

    @POST
    @Path("{rest: .*}")
    @AnonymousBody
    public Response post() {
        return notFound();
    }

    @PUT
    @Path("{rest: .*}")
    @AnonymousBody
    public Response put() {
        return notFound();
    }

    @DELETE
    @Path("{rest: .*}")
    @AnonymousBody
    public Response delete() {
        return notFound();
    }

    private static Response notFound() {
        return ApiExceptionMapper.error(404, "NotFound", MESSAGE);
    }
}
