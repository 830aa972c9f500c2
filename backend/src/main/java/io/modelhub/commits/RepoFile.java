package io.modelhub.commits;

/**
 * A file as a commit holds it. {@code lfs} files are served with their sha256 as ETag (and X-Linked-Etag),
 * regular ones with their git blob sha1, as the Hugging Face clients expect.
 */
public record RepoFile(String path, String sha256, String gitSha1, long size, boolean lfs) {

    /** The ETag clients cache by. */
    public String etag() {
        return lfs ? sha256 : gitSha1;
    }

    public String name() {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }
}
