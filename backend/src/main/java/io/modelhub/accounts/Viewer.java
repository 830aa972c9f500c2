package io.modelhub.accounts;

/**
 * Who is asking: an account (through a UI session or an API token) or nobody. Services decide visibility
 * and permissions from this alone, so the UI and the API apply the same rules.
 */
public record Viewer(Long accountId, String username, boolean admin, boolean canWrite, String tokenName,
                     String tokenRole, java.time.Instant tokenCreatedAt) {

    public static final Viewer ANONYMOUS = new Viewer(null, null, false, false, null, null, null);

    public static Viewer session(Account account) {
        return new Viewer(account.id, account.username, account.admin, true, null, null, null);
    }

    public boolean anonymous() {
        return accountId == null;
    }

    /**
     * Refuses a caller who may change nothing, the same way everywhere: nobody signed in is 401, a read-only token
     * 403. Called before a method looks at its body, so that a read token learns nothing from a validation error.
     */
    public void requireWriter() {
        if (anonymous()) {
            throw io.modelhub.platform.ApiException.unauthorized("You must be signed in (or send a token) to do this");
        }
        if (!canWrite) {
            throw io.modelhub.platform.ApiException.forbidden("This token is read-only");
        }
    }

    public boolean isAccount(Long id) {
        return accountId != null && accountId.equals(id);
    }
}
