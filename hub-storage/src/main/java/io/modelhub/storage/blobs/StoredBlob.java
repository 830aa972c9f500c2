package io.modelhub.storage.blobs;

import java.util.regex.Pattern;

/**
 * A blob as the store holds it.
 *
 * @param sha256  content address, 64 lowercase hex digits
 * @param gitSha1 git's blob object id of the same bytes ({@code sha1("blob <size>\0" + bytes)}), 40 lowercase hex
 * @param size    length in bytes
 */
public record StoredBlob(String sha256, String gitSha1, long size) {

    static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    static final Pattern SHA1 = Pattern.compile("[0-9a-f]{40}");

    public StoredBlob {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a lowercase hex sha256: " + sha256);
        }
        if (gitSha1 == null || !SHA1.matcher(gitSha1).matches()) {
            throw new IllegalArgumentException("not a lowercase hex sha1: " + gitSha1);
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
    }

    /** Whether {@code s} has the shape of a content address; callers use it to reject path tricks early. */
    public static boolean isSha256(String s) {
        return s != null && SHA256.matcher(s).matches();
    }
}
