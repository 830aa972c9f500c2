package io.modelhub.accounts;

import io.modelhub.platform.ApiException;
import io.modelhub.storage.blobs.GitOids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

@ApplicationScoped
public class AccountService {
    /** The JS Hugging Face client refuses any token that does not start with "hf_". */
    public static final Pattern TOKEN_SHAPE = Pattern.compile("^hf_[A-Za-z0-9]{30,64}$");
    private static final Pattern USERNAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.-]{1,38}$");
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    @Transactional
    public Account createUser(String username, String password, String fullname, String email, boolean admin) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw ApiException.badRequest("Username must be 2-39 letters, digits, '-', '_' or '.', starting with a letter or digit");
        }
        if (password == null || password.length() < 8) {
            throw ApiException.badRequest("Password must have at least 8 characters");
        }
        if (Account.findByUsername(username).isPresent()) {
            throw ApiException.conflict("Username " + username + " is taken");
        }
        Account account = new Account();
        account.username = username;
        account.passwordHash = PasswordHasher.hash(password);
        account.fullname = fullname == null || fullname.isBlank() ? username : fullname;
        account.email = email;
        account.admin = admin;
        account.persist();
        return account;
    }

    @Transactional
    public List<Account> users() {
        return Account.list("order by username");
    }

    /** A hash no password matches, verified for unknown user names so that they take as long as known ones. */
    private static final String NO_ACCOUNT = PasswordHasher.hash(randomSecret("", 32));

    @jakarta.inject.Inject
    SignInThrottle throttle;

    @Transactional
    public Optional<Account> authenticate(String username, String password) {
        if (username == null || password == null) {
            return Optional.empty();
        }
        Optional<Account> account = Account.findByUsername(username.trim());
        // the same work whether the account exists or not: timing does not tell which user names exist
        boolean matches = PasswordHasher.verify(password, account.map(a -> a.passwordHash).orElse(NO_ACCOUNT));
        return matches ? account : Optional.empty();
    }

    /**
     * A sign-in from the browser: throttled per account and per address ({@link SignInThrottle}); a refusal says how
     * long to wait (429), a wrong password is empty.
     */
    public Optional<Account> signIn(String username, String password, String address) {
        long wait = throttle.waitSeconds(username, address);
        if (wait > 0) {
            throw new ApiException(429, null, "Too many failed sign-ins; try again in " + wait + " s");
        }
        Optional<Account> account = authenticate(username, password);
        if (account.isPresent()) {
            throttle.succeeded(username);
        } else {
            throttle.failed(username, address);
        }
        return account;
    }

    /** Creates a token and returns its only plain-text copy. */
    @Transactional
    public String createToken(long accountId, String displayName, String role) {
        return storeToken(accountId, displayName, role, newTokenValue());
    }

    /** Registers a token chosen by the operator (MODELHUB_ADMIN_TOKEN), so scripts can drive a new hub. */
    @Transactional
    public String importToken(long accountId, String displayName, String role, String token) {
        if (!TOKEN_SHAPE.matcher(token).matches()) {
            throw ApiException.badRequest("A token must look like hf_ followed by 30-64 letters or digits");
        }
        if (ApiToken.count("tokenHash", sha256(token)) > 0) {
            return token;
        }
        return storeToken(accountId, displayName, role, token);
    }

    private String storeToken(long accountId, String displayName, String role, String token) {
        if (!role.equals("read") && !role.equals("write")) {
            throw ApiException.badRequest("Token role must be read or write");
        }
        if (displayName == null || displayName.isBlank()) {
            throw ApiException.badRequest("A token needs a name");
        }
        ApiToken row = new ApiToken();
        row.account = Account.findById(accountId);
        row.displayName = displayName.trim();
        row.role = role;
        row.tokenHash = sha256(token);
        row.tokenHint = token.substring(0, 7) + "…";
        row.persist();
        return token;
    }

    @Transactional
    public List<ApiToken> tokens(long accountId) {
        return ApiToken.list("account.id = ?1 order by createdAt desc", accountId);
    }

    @Transactional
    public boolean revokeToken(long accountId, long tokenId) {
        return ApiToken.delete("id = ?1 and account.id = ?2", tokenId, accountId) > 0;
    }

    /** Empty when the token is unknown; the caller answers 401. */
    @Transactional
    public Optional<Viewer> viewerForToken(String token) {
        if (token == null || !token.startsWith("hf_")) {
            return Optional.empty();
        }
        Optional<ApiToken> found = ApiToken.find("tokenHash", sha256(token)).firstResultOptional();
        return found.map(t -> {
            Instant now = Instant.now();
            // Writing on every request would turn each read into a write; a minute's precision is enough.
            if (t.lastUsedAt == null || t.lastUsedAt.isBefore(now.minus(Duration.ofMinutes(1)))) {
                t.lastUsedAt = now;
            }
            Account a = t.account;
            return new Viewer(a.id, a.username, a.admin, t.role.equals("write"), t.displayName, t.role, t.createdAt);
        });
    }

    private static String newTokenValue() {
        return randomSecret("hf_", 34);
    }

    /** A secret of {@code length} random letters and digits after {@code prefix} (API tokens, runner credentials). */
    public static String randomSecret(String prefix, int length) {
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    /** How secrets are kept: only their sha256 is stored. */
    public static String sha256(String value) {
        try {
            return GitOids.hex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
