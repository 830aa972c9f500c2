package io.modelhub.runners;

import io.modelhub.accounts.AccountService;
import io.modelhub.accounts.Viewer;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.platform.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Runner credentials: issued and revoked by admins, like CI runner registration tokens. A credential registers one
 * runner and authenticates its calls; only its sha256 is kept. Revoking one takes the runner offline and gives its
 * job back to the queue at once; the runner stops at its next call.
 */
@ApplicationScoped
public class RunnerCredentialService {
    @Inject
    EntityManager em;
    @Inject
    RunnerService runners;

    /** A credential as admins see it: never the secret, which is shown once, at creation. */
    public record CredentialView(long id, String name, String hint, String createdBy, Instant createdAt,
                                 Instant lastUsedAt, Instant revokedAt, Long runnerId) {
    }

    /** What creation answers: the only copy of the secret. */
    public record IssuedCredential(long id, String name, String credential) {
    }

    public record CreateRequest(String name) {
    }

    @Transactional
    public IssuedCredential issue(Viewer viewer, String name) {
        requireAdmin(viewer);
        requireWrite(viewer);
        if (name == null || name.isBlank() || name.length() > 100) {
            throw ApiException.badRequest("A runner credential needs a name of 1-100 characters, e.g. the node's host name");
        }
        String secret = newSecret();
        Number id = (Number) em.createNativeQuery("insert into runner_credentials (name, token_hash, token_hint, created_by) "
                        + "values (?1, ?2, ?3, ?4) returning id")
                .setParameter(1, name.trim()).setParameter(2, AccountService.sha256(secret)).setParameter(3, hint(secret))
                .setParameter(4, viewer.accountId()).getSingleResult();
        return new IssuedCredential(id.longValue(), name.trim(), secret);
    }

    /**
     * A new secret for the credential of this name issued by the hub itself (the embedded start's local runner, at each
     * start): the runner keeps its id, and a runner still holding the old secret is refused at its next call.
     */
    @Transactional
    public IssuedCredential rotateSystem(String name, long adminAccountId) {
        String secret = newSecret();
        List<?> existing = em.createNativeQuery("update runner_credentials set token_hash = ?2, token_hint = ?3, revoked_at = null "
                        + "where name = ?1 and created_by = ?4 returning id")
                .setParameter(1, name).setParameter(2, AccountService.sha256(secret)).setParameter(3, hint(secret))
                .setParameter(4, adminAccountId).getResultList();
        if (!existing.isEmpty()) {
            return new IssuedCredential(((Number) existing.get(0)).longValue(), name, secret);
        }
        Number id = (Number) em.createNativeQuery("insert into runner_credentials (name, token_hash, token_hint, created_by) "
                        + "values (?1, ?2, ?3, ?4) returning id")
                .setParameter(1, name).setParameter(2, AccountService.sha256(secret)).setParameter(3, hint(secret))
                .setParameter(4, adminAccountId).getSingleResult();
        return new IssuedCredential(id.longValue(), name, secret);
    }

    @Transactional
    public List<CredentialView> list(Viewer viewer) {
        requireAdmin(viewer);
        List<CredentialView> out = new java.util.ArrayList<>();
        for (Object row : em.createNativeQuery("select c.id, c.name, c.token_hint, a.username, c.created_at, c.last_used_at, "
                + "c.revoked_at, r.id as runner_id from runner_credentials c left join accounts a on a.id = c.created_by "
                + "left join runners r on r.credential_id = c.id order by c.id", Tuple.class).getResultList()) {
            Tuple t = (Tuple) row;
            out.add(new CredentialView(t.get("id", Number.class).longValue(), t.get("name", String.class),
                    t.get("token_hint", String.class), t.get("username", String.class), t.get("created_at", Instant.class),
                    t.get("last_used_at", Instant.class), t.get("revoked_at", Instant.class),
                    t.get("runner_id") == null ? null : t.get("runner_id", Number.class).longValue()));
        }
        return out;
    }

    /** Revokes the credential: its runner goes offline and its running job is requeued without losing an attempt. */
    @Transactional
    public void revoke(Viewer viewer, long id) {
        requireAdmin(viewer);
        requireWrite(viewer);
        int n = em.createNativeQuery("update runner_credentials set revoked_at = coalesce(revoked_at, now()) where id = ?1")
                .setParameter(1, id).executeUpdate();
        if (n == 0) {
            throw ApiException.notFound("No runner credential " + id);
        }
        runners.retire(id, "its runner credential was revoked");
    }

    /**
     * The identity behind a presented credential, or empty when it is unknown or revoked. One indexed select on every
     * runner call (each inference answer is one); the write of {@code last_used_at} happens only when it is a minute
     * old, so a call is a read-only transaction otherwise.
     */
    @Transactional
    public Optional<RunnerIdentity> authenticate(String secret) {
        if (!RunnerProtocol.CREDENTIAL_SHAPE.matcher(secret).matches()) {
            return Optional.empty();
        }
        List<Tuple> found = em.createNativeQuery("select c.id, c.name, r.id as runner_id, (c.last_used_at is null or "
                        + "c.last_used_at < now() - interval '1 minute') as stale from runner_credentials c "
                        + "left join runners r on r.credential_id = c.id where c.token_hash = ?1 and c.revoked_at is null", Tuple.class)
                .setParameter(1, AccountService.sha256(secret)).getResultList();
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Tuple t = found.get(0);
        long id = t.get("id", Number.class).longValue();
        if (Boolean.TRUE.equals(t.get("stale", Boolean.class))) {
            em.createNativeQuery("update runner_credentials set last_used_at = now() where id = ?1").setParameter(1, id)
                    .executeUpdate();
        }
        return Optional.of(new RunnerIdentity(id, t.get("name", String.class),
                t.get("runner_id") == null ? null : t.get("runner_id", Number.class).longValue()));
    }

    private static String newSecret() {
        return AccountService.randomSecret(RunnerProtocol.CREDENTIAL_PREFIX, 40);
    }

    private static String hint(String secret) {
        return secret.substring(0, 8) + "…";
    }

    private static void requireWrite(Viewer viewer) {
        if (!viewer.canWrite()) {
            throw ApiException.forbidden("This token is read-only");
        }
    }

    private static void requireAdmin(Viewer viewer) {
        if (viewer.anonymous()) {
            throw ApiException.unauthorized("Sign in as an admin to manage runner credentials");
        }
        if (!viewer.admin()) {
            throw ApiException.forbidden("Only admins manage runner credentials");
        }
    }
}
