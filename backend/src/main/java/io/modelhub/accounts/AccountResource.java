package io.modelhub.accounts;

import io.modelhub.platform.ApiException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Accounts administration: the HF API has no notion of it, so it is a native endpoint (admin token). */
@Path("/api/admin/users")
@Produces(MediaType.APPLICATION_JSON)
public class AccountResource {
    @Inject
    AccountService accounts;
    @Inject
    CurrentViewer viewer;

    public record NewUser(String username, String password, String fullname, String email, boolean admin) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a user account (admin only)")
    public Response create(NewUser body) {
        requireAdmin();
        if (body == null) {
            throw ApiException.badRequest("Body must be JSON: {\"username\", \"password\", \"fullname\"?, \"email\"?, \"admin\"?}");
        }
        Account a = accounts.createUser(body.username(), body.password(), body.fullname(), body.email(), body.admin());
        return Response.status(201).entity(view(a)).build();
    }

    @GET
    @Operation(summary = "List user accounts (admin only)")
    public List<Map<String, Object>> list() {
        requireAdmin();
        return accounts.users().stream().map(AccountResource::view).toList();
    }

    private void requireAdmin() {
        Viewer v = viewer.get();
        if (v.anonymous()) {
            throw ApiException.unauthorized("This needs an admin token");
        }
        if (!v.admin() || !v.canWrite()) {
            throw ApiException.forbidden("Only an admin with a write token can manage accounts");
        }
    }

    private static Map<String, Object> view(Account a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id);
        m.put("username", a.username);
        m.put("fullname", a.fullname);
        m.put("email", a.email);
        m.put("admin", a.admin);
        return m;
    }
}
