package io.modelhub.storage.blobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Object ids as git and git-lfs compute them. */
public final class GitOids {

    private static final HexFormat HEX = HexFormat.of();

    private GitOids() {
    }

    /** Git's blob object id: sha1 over {@code "blob <size>\0"} followed by the content. */
    public static String blobSha1(byte[] content) {
        MessageDigest sha1 = digest("SHA-1");
        sha1.update(blobHeader(content.length));
        return hex(sha1.digest(content));
    }

    /** The pointer file that git-lfs commits in place of the content, byte for byte. */
    public static String lfsPointer(String sha256, long size) {
        if (!StoredBlob.isSha256(sha256)) {
            throw new IllegalArgumentException("not a lowercase hex sha256: " + sha256);
        }
        return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize " + size + "\n";
    }

    /** The git blob id of {@link #lfsPointer}, i.e. what a git tree lists for an LFS-tracked file. */
    public static String lfsPointerSha1(String sha256, long size) {
        return blobSha1(lfsPointer(sha256, size).getBytes(StandardCharsets.UTF_8));
    }

    public static String hex(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    static byte[] blobHeader(long size) {
        return ("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII);
    }

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            // SHA-1 and SHA-256 are mandatory in every Java platform
            throw new IllegalStateException(e);
        }
    }
}
