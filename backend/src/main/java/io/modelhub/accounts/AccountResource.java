package io.modelhub.accounts;

import io.modelhub.platform.ApiException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.PathParam;
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

    public record NewToken(String name, String role) {
    }

    /** A token's metadata; the secret itself is only in the answer that created it. */
    public record TokenView(long id, String name, String role, String hint, java.time.Instant createdAt, java.time.Instant lastUsedAt) {
    }

    @POST
    @Path("{username}/tokens")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an API token for a user (admin only); the answer holds its only copy")
    public Response createToken(@PathParam("username") String username, NewToken body) {
        requireAdmin();
        Account a = account(username);
        if (body == null) {
            throw ApiException.badRequest("Body must be JSON: {\"name\", \"role\": \"read\" or \"write\"}");
        }
        String token = accounts.createToken(a.id, body.name(), body.role() == null ? "read" : body.role());
        return Response.status(201).entity(Map.of("username", a.username, "name", body.name(), "token", token)).build();
    }

    @GET
    @Path("{username}/tokens")
    @Operation(summary = "A user's API tokens, without their secrets (admin only)")
    public List<TokenView> tokens(@PathParam("username") String username) {
        requireAdmin();
        return accounts.tokens(account(username).id).stream()
                .map(t -> new TokenView(t.id, t.displayName, t.role, t.tokenHint, t.createdAt, t.lastUsedAt)).toList();
    }

    @DELETE
    @Path("{username}/tokens/{id}")
    @Operation(summary = "Revoke one of a user's API tokens (admin only)")
    public Response revokeToken(@PathParam("username") String username, @PathParam("id") long id) {
        requireAdmin();
        if (!accounts.revokeToken(account(username).id, id)) {
            throw ApiException.notFound("User " + username + " has no token " + id);
        }
        return Response.noContent().build();
    }

    private Account account(String username) {
        return Account.findByUsername(username).orElseThrow(() -> ApiException.notFound("No user " + username));
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
