package io.modelhub.bench;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.FileChange;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.storage.blobs.BlobStore;
import io.quarkus.narayana.jta.QuarkusTransaction;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Datasets the benchmarks measure with but do not measure the upload of. */
final class BenchDatasets {
    private BenchDatasets() {
    }

    /**
     * Commits every file below {@code folder} as admin's public dataset {@code name}, through the services rather than
     * the HTTP API: thousands of files in one NDJSON commit ran past the test client's read timeout on a loaded build
     * machine, and what these benchmarks measure is something else.
     */
    static void commitFolder(RepoService repos, CommitService commits, BlobStore store, String name, Path folder)
            throws IOException {
        List<FileChange> changes = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    changes.add(FileChange.put(folder.relativize(f).toString().replace('\\', '/'), store.put(in, Files.size(f))));
                }
            }
        }
        Viewer admin = QuarkusTransaction.requiringNew().call(() -> Viewer.session(Account.findByUsername("admin").orElseThrow()));
        Repo repo = repos.create(admin, new RepoName(RepoType.DATASET, "admin", name), false);
        commits.commit(repo, "main", null, changes, "Add " + name, "", admin);
    }
}
