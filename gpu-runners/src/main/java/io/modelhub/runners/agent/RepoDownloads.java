package io.modelhub.runners.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.storage.blobs.GitOids;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Fetches a repository at a pinned commit into a local folder, checking every file against the hash the hub
 * states for it (sha256 for LFS files, git blob sha1 for the others). A folder fetched once is reused.
 */
final class RepoDownloads {
    private RepoDownloads() {
    }

    static Path fetch(HubClient hub, String type, String repo, String revision, Path cacheRoot) throws IOException, InterruptedException {
        Path dir = cacheRoot.resolve(type + "s").resolve(repo.replace('/', '_')).resolve(revision);
        if (Files.exists(dir.resolve(".complete"))) {
            return dir;
        }
        JsonNode info = hub.get("/api/" + type + "s/" + repo + "/revision/" + revision);
        String prefix = type.equals("dataset") ? "/datasets/" : "/";
        for (JsonNode sibling : info.path("siblings")) {
            String path = sibling.path("rfilename").asText();
            if (path.equals(".gitattributes")) {
                continue;
            }
            Path target = dir.resolve(path).normalize();
            if (!target.startsWith(dir)) {
                throw new IOException("Refusing a path outside the download folder: " + path);
            }
            hub.download(prefix + repo + "/resolve/" + revision + "/" + HubClient.encodePath(path), target);
            verify(target, sibling);
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(".complete"), revision);
        return dir;
    }

    private static void verify(Path file, JsonNode sibling) throws IOException {
        long size = Files.size(file);
        if (sibling.has("size") && sibling.get("size").asLong() != size) {
            throw new IOException(file.getFileName() + ": expected " + sibling.get("size").asLong() + " bytes, got " + size);
        }
        if (sibling.has("lfs")) {
            String expected = sibling.path("lfs").path("sha256").asText();
            String actual = digest(file, "SHA-256", null);
            if (!expected.equals(actual)) {
                throw new IOException(file.getFileName() + ": sha256 mismatch (expected " + expected + ", got " + actual + ")");
            }
        } else if (sibling.has("blobId")) {
            String expected = sibling.path("blobId").asText();
            String actual = digest(file, "SHA-1", ("blob " + size + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            if (!expected.equals(actual)) {
                throw new IOException(file.getFileName() + ": git sha1 mismatch (expected " + expected + ", got " + actual + ")");
            }
        }
    }

    private static String digest(Path file, String algorithm, byte[] header) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            if (header != null) {
                md.update(header);
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = in.read(buffer)) > 0) {
                    md.update(buffer, 0, n);
                }
            }
            return GitOids.hex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
