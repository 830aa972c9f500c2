package io.modelhub.runners.agent;

import io.modelhub.contract.RunnerProtocol.InputFile;
import io.modelhub.contract.RunnerProtocol.InputListing;
import io.modelhub.storage.blobs.HashingInputStream;
import io.modelhub.storage.blobs.StoredBlob;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fetches one input of a held job (a repository at its pinned commit) into a local folder, checking every file
 * against the hashes the hub states (sha256 for LFS files, git blob sha1 for all). A folder fetched once is reused
 * by later jobs on the same commit.
 */
final class RepoDownloads {
    private RepoDownloads() {
    }

    /** Fetches one file of the listing to a local path (the job input call, or the inference one). */
    @FunctionalInterface
    interface FileFetcher {
        void fetch(String path, Path target) throws IOException, InterruptedException;
    }

    static Path fetch(HubClient hub, HubClient.Lease lease, InputListing input, String type, Path cacheRoot)
            throws IOException, InterruptedException {
        return fetch((path, target) -> hub.downloadInput(lease, input.role(), path, target), input, type, cacheRoot);
    }

    static Path fetch(FileFetcher fetcher, InputListing input, String type, Path cacheRoot)
            throws IOException, InterruptedException {
        Path dir = cacheRoot.resolve(type + "s").resolve(input.repo().replace('/', '_')).resolve(input.revision());
        if (Files.exists(dir.resolve(".complete"))) {
            return dir;
        }
        for (InputFile file : input.files()) {
            if (file.path().equals(".gitattributes")) {
                continue;
            }
            Path target = dir.resolve(file.path()).normalize();
            if (!target.startsWith(dir)) {
                throw new IOException("Refusing a path outside the download folder: " + file.path());
            }
            fetcher.fetch(file.path(), target);
            verify(target, file);
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(".complete"), input.revision());
        return dir;
    }

    /** One pass over the file gives both hashes the hub may state (the same code that hashes uploads). */
    private static void verify(Path file, InputFile expected) throws IOException {
        long size = Files.size(file);
        if (expected.size() != size) {
            throw new IOException(file.getFileName() + ": expected " + expected.size() + " bytes, got " + size);
        }
        StoredBlob actual;
        try (HashingInputStream in = new HashingInputStream(Files.newInputStream(file), size)) {
            in.transferTo(OutputStream.nullOutputStream());
            actual = in.storedBlob();
        }
        if (expected.sha256() != null && !expected.sha256().equals(actual.sha256())) {
            throw new IOException(file.getFileName() + ": sha256 mismatch (expected " + expected.sha256() + ", got " + actual.sha256() + ")");
        }
        if (expected.gitSha1() != null && !expected.gitSha1().equals(actual.gitSha1())) {
            throw new IOException(file.getFileName() + ": git sha1 mismatch (expected " + expected.gitSha1() + ", got "
                    + actual.gitSha1() + ")");
        }
    }
}
