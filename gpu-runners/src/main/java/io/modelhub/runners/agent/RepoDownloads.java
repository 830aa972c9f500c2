package io.modelhub.runners.agent;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.storage.blobs.HashingInputStream;
import io.modelhub.storage.blobs.StoredBlob;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

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

    /** One pass over the file gives both hashes the hub may state (the same code that hashes uploads). */
    private static void verify(Path file, JsonNode sibling) throws IOException {
        long size = Files.size(file);
        if (sibling.has("size") && sibling.get("size").asLong() != size) {
            throw new IOException(file.getFileName() + ": expected " + sibling.get("size").asLong() + " bytes, got " + size);
        }
        StoredBlob actual;
        try (HashingInputStream in = new HashingInputStream(Files.newInputStream(file), size)) {
            in.transferTo(OutputStream.nullOutputStream());
            actual = in.storedBlob();
        }
        if (sibling.has("lfs")) {
            String expected = sibling.path("lfs").path("sha256").asText();
            if (!expected.equals(actual.sha256())) {
                throw new IOException(file.getFileName() + ": sha256 mismatch (expected " + expected + ", got " + actual.sha256() + ")");
            }
        } else if (sibling.has("blobId") && !sibling.path("blobId").asText().equals(actual.gitSha1())) {
            throw new IOException(file.getFileName() + ": git sha1 mismatch (expected " + sibling.path("blobId").asText()
                    + ", got " + actual.gitSha1() + ")");
        }
    }
}
