package io.modelhub.commits;

import io.modelhub.storage.blobs.StoredBlob;

/** One operation of a commit. Blobs are already in the store when a commit is made. */
public sealed interface FileChange {
    String path();

    record Put(String path, StoredBlob blob) implements FileChange {
    }

    record Delete(String path) implements FileChange {
    }

    record DeleteFolder(String path) implements FileChange {
    }

    record Move(String path, String to) implements FileChange {
    }

    static FileChange put(String path, StoredBlob blob) {
        return new Put(path, blob);
    }

    static FileChange delete(String path) {
        return new Delete(path);
    }

    static FileChange deleteFolder(String path) {
        return new DeleteFolder(path);
    }

    static FileChange move(String path, String to) {
        return new Move(path, to);
    }
}
