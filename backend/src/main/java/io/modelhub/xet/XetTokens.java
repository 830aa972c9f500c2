package io.modelhub.xet;

import io.modelhub.platform.ApiException;
import io.modelhub.platform.ClusterLocks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The short-lived tokens of the CAS endpoints: one repository, read or write, one account (who uploaded what, for
 * claims), an expiry. A token is {@code xet_<repo>.<account>.<w|r>.<exp>.<hmac>}: the hub's signature is its only
 * credential, so any hub instance checks what another issued, and a token cannot be bent to another repository
 * or scope. Users' hf_ tokens never reach the CAS endpoints, and CAS tokens never reach the hub API
 * ({@link io.modelhub.accounts.BearerTokenFilter} leaves them to this class).
 */
@ApplicationScoped
public class XetTokens {
    public static final String PREFIX = "xet_";

    /** What a valid token allows. */
    public record Grant(long repoId, long accountId, boolean write, long expires) {
    }

    /** A token handed to a client, with where to use it. */
    public record Issued(String accessToken, long expires, String casUrl) {
        /** The headers that carry it: Python's hf_xet and git-xet read these, the npm client the JSON body. */
        public java.util.Map<String, String> headers() {
            return java.util.Map.of("X-Xet-Cas-Url", casUrl, "X-Xet-Access-Token", accessToken,
                    "X-Xet-Token-Expiration", Long.toString(expires));
        }
    }

    @Inject
    ClusterLocks cluster;
    @Inject
    io.modelhub.repos.RepoService repos;
    @Inject
    io.modelhub.platform.ModelHubConfig config;

    /**
     * A token for one repository: write needs write access to it (as an LFS batch does), read needs read access.
     * The CAS is the hub itself, at {@code base}.
     */
    public Issued forRepo(io.modelhub.accounts.Viewer viewer, io.modelhub.repos.RepoName name, boolean write, String base) {
        io.modelhub.repos.Repo repo = write ? repos.writable(viewer, name) : repos.visible(viewer, name);
        long expires = Instant.now().plus(config.xet().tokenTtl()).getEpochSecond();
        long account = io.modelhub.commits.BlobClaims.account(viewer);
        return new Issued(issue(repo.id, account, write, expires), expires, base.replaceAll("/+$", ""));
    }

    private volatile byte[] secret;

    String issue(long repoId, long accountId, boolean write, long expires) {
        String body = repoId + "." + accountId + "." + (write ? "w" : "r") + "." + expires;
        return PREFIX + body + "." + sign(body);
    }

    /**
     * The grant of an {@code Authorization: Bearer xet_...} header.
     *
     * @throws ApiException 401 for a missing, malformed, forged or expired token; 403 for a read token where
     *                      {@code write} is needed
     */
    Grant verify(String authorization, boolean write) {
        String token = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : "";
        if (!token.startsWith(PREFIX)) {
            throw ApiException.unauthorized("The CAS endpoints need a Xet token: ask GET /api/{type}s/{repo}/xet-"
                    + (write ? "write" : "read") + "-token/{revision} for one");
        }
        int cut = token.lastIndexOf('.');
        String body = cut < 0 ? "" : token.substring(PREFIX.length(), cut);
        String[] f = body.split("\\.");
        if (cut < 0 || f.length != 4 || !MessageDigest.isEqual(sign(body).getBytes(StandardCharsets.US_ASCII),
                token.substring(cut + 1).getBytes(StandardCharsets.US_ASCII))) {
            throw ApiException.unauthorized("This Xet token is not one the hub issued");
        }
        Grant g;
        try {
            g = new Grant(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2].equals("w"), Long.parseLong(f[3]));
        } catch (NumberFormatException e) {
            throw ApiException.unauthorized("This Xet token is malformed");
        }
        if (Instant.now().getEpochSecond() >= g.expires()) {
            throw ApiException.unauthorized("This Xet token has expired; ask the hub for a new one");
        }
        if (write && !g.write()) {
            throw ApiException.forbidden("This Xet token is read-only; uploads need one from xet-write-token");
        }
        return g;
    }

    /** A hub-signed query for bytes [from, to] of a xorb until {@code expires}: the URL is its own credential. */
    String fetchQuery(String xorb, long from, long to, long expires) {
        return "from=" + from + "&to=" + to + "&exp=" + expires + "&sig=" + sign("fetch." + xorb + "." + from + "." + to + "." + expires);
    }

    /** Checks a fetch URL's signature and lifetime (403 otherwise, as for the LFS upload URLs). */
    void verifyFetch(String xorb, long from, long to, long expires, String signature) {
        if (signature == null || !MessageDigest.isEqual(sign("fetch." + xorb + "." + from + "." + to + "." + expires)
                .getBytes(StandardCharsets.US_ASCII), signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new ApiException(403, "InvalidFetchUrl", "This xorb URL's signature does not match");
        }
        if (Instant.now().getEpochSecond() >= expires) {
            throw new ApiException(403, "ExpiredFetchUrl", "This xorb URL has expired; ask for the reconstruction again");
        }
    }

    private String sign(String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret(), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] secret() {
        byte[] s = secret;
        if (s == null) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            s = cluster.sharedSecret("xet-signing", HexFormat.of().formatHex(random)).getBytes(StandardCharsets.UTF_8);
            secret = s;
        }
        return s;
    }
}
