package io.modelhub.storage.blobs;

/**
 * The store has no blob under the asked content address. Unchecked: a missing blob behind a database row is a
 * broken invariant for most callers, and those that expect it can ask {@link BlobStore#exists} first.
 */
public class BlobNotFoundException extends RuntimeException {

    private final String sha256;

    public BlobNotFoundException(String sha256) {
        super("blob " + sha256 + " is not in the store");
        this.sha256 = sha256;
    }

    public String sha256() {
        return sha256;
    }
}
