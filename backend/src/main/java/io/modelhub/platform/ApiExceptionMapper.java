package io.modelhub.platform;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * Every refusal reaches the client as JSON {"error": ...} plus X-Error-Message (and X-Error-Code when known):
 * on HEAD requests the headers are the only channel the HF clients have.
 */
@Provider
public class ApiExceptionMapper implements ExceptionMapper<Exception> {
    private static final Logger LOG = Logger.getLogger(ApiExceptionMapper.class);

    @Override
    public Response toResponse(Exception exception) {
        if (exception instanceof ApiException api) {
            if (api.fields().isEmpty() && api.headers().isEmpty()) {
                return error(api.status(), api.errorCode(), api.getMessage());
            }
            Map<String, Object> body = new java.util.LinkedHashMap<>();
            body.put("error", api.getMessage());
            body.putAll(api.fields());
            Response.ResponseBuilder builder = Response.fromResponse(error(api.status(), api.errorCode(), api.getMessage()))
                    .entity(body);
            api.headers().forEach(builder::header);
            return builder.build();
        }
        if (exception instanceof WebApplicationException web && web.getCause() instanceof com.fasterxml.jackson.core.JsonProcessingException json) {
            return error(400, null, MalformedJsonMapper.describe(json));
        }
        if (exception instanceof WebApplicationException web) {
            int status = web.getResponse().getStatus();
            String message = status == 404 ? "Not found" : status == 405 ? "Method not allowed"
                    : status == 400 && (web.getMessage() == null || web.getMessage().startsWith("HTTP 400"))
                    ? "Bad request: the body could not be read as the JSON this endpoint takes" : web.getMessage();
            return error(status, null, message);
        }
        LOG.error("Unhandled error", exception);
        return error(500, null, "Internal error: " + exception.getClass().getSimpleName());
    }

    public static Response error(int status, String code, String message) {
        Response.ResponseBuilder builder = Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("error", message))
                .header("X-Error-Message", headerSafe(message));
        if (code != null) {
            builder.header("X-Error-Code", code);
        }
        return builder.build();
    }

    private static String headerSafe(String message) {
        return message.replaceAll("[\\r\\n\\p{Cntrl}]", " ");
    }
}
