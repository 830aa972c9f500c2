package io.modelhub.platform;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.stream.Collectors;

/**
 * A request body that is not JSON, or JSON of the wrong shape, is the client's mistake: 400 saying where and what,
 * never a 500 and never a blank 400. The priority puts these ahead of the REST layer's own Jackson mappers.
 */
public class MalformedJsonMapper {
    @ServerExceptionMapper(priority = 1000)
    public Response malformed(JsonProcessingException e) {
        return ApiExceptionMapper.error(400, null, describe(e));
    }

    @ServerExceptionMapper(priority = 1000)
    public Response mistyped(MismatchedInputException e) {
        return ApiExceptionMapper.error(400, null, describe(e));
    }

    /** What is wrong with the body and where, for a 400 (also when the REST layer wrapped the parse error). */
    static String describe(JsonProcessingException e) {
        StringBuilder message = new StringBuilder("Malformed JSON body: ").append(e.getOriginalMessage());
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            message.append(" (at ").append(mapping.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."))).append(")");
        }
        JsonLocation at = e.getLocation();
        if (at != null && at.getLineNr() > 0) {
            message.append(" at line ").append(at.getLineNr()).append(", column ").append(at.getColumnNr());
        }
        return message.toString().replaceAll("\\s+", " ");
    }
}
