package io.modelhub.inference;

import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.RepoFile;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.contract.RunnerProtocol.InputFile;
import io.modelhub.platform.ApiException;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a caller may run (as for downloads), pinned to a commit, with its files; and running it: the request waits
 * for a serving runner ({@link InferenceRouter}), or ends with a 503 saying why. The HF inference API
 * ({@link InferenceResource}) and the hub's own callers (the cross-modal search's query embedding) both go through
 * {@link #call}.
 */
@ApplicationScoped
public class InferenceService {
    /** Commits whose file lists are kept; each list is a few hundred bytes per file, read on every call. */
    static final int CACHED_COMMITS = 256;

    @Inject
    RepoService repos;
    @Inject
    CommitService commits;

    /**
     * The files of recently used commits. A commit never changes (its id is the hash of its content), so its file list
     * is cached by id alone; what may change, the repository's visibility and where a branch points, is read on every
     * call. Only commits {@link CommitService#resolve} found are cached, so a commit still being written is never seen.
     */
    private final Map<String, List<InputFile>> filesByCommit = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<InputFile>> eldest) {
            return size() > CACHED_COMMITS;
        }
    };

    /**
     * The request for a model the viewer can read (404 otherwise, private models included), at {@code revision}
     * (default main) resolved to its commit, with the model's files.
     */
    public Work prepare(Viewer viewer, String namespace, String name, String revision, String task, InferenceInput input) {
        return prepare(repos.visible(viewer, new RepoName(RepoType.MODEL, namespace, name)), revision, task, input);
    }

    /**
     * The request for a model at {@code revision} (default main: one indexed read of the ref), for a caller that has
     * already checked the viewer may read it.
     */
    public Work prepare(Repo repo, String revision, String task, InferenceInput input) {
        return prepareAt(repo, commits.resolve(repo, revision), task, input);
    }

    /** The request for a model at a commit, for a caller that has already checked the viewer may read it. */
    public Work prepareAt(Repo repo, String commit, String task, InferenceInput input) {
        RepoName repoName = repo.repoName();
        List<InputFile> files = files(commit);
        if (files.stream().noneMatch(f -> f.path().equals("config.json"))) {
            throw ApiException.badRequest(repoName.id() + " has no config.json at " + commit.substring(0, 8)
                    + ": inference needs a model the runners can load (see docs/inference.md)");
        }
        return new Work(UUID.randomUUID().toString(), repoName.id(), commit, task, input.inputs(), input.parameters(),
                input.data(), files);
    }

    /** One file of the model a held request is for, at its pinned commit. */
    @Transactional
    public RepoFile file(Work work, String path) {
        return commits.file(work.revision(), path).orElseThrow(() -> ApiException.entryNotFound(path));
    }

    private List<InputFile> files(String commit) {
        synchronized (filesByCommit) {
            List<InputFile> cached = filesByCommit.get(commit);
            if (cached != null) {
                return cached;
            }
        }
        List<InputFile> files = commits.files(commit).stream()
                .map(f -> new InputFile(f.path(), f.size(), f.lfs() ? f.sha256() : null, f.gitSha1())).toList();
        synchronized (filesByCommit) {
            filesByCommit.put(commit, files);
        }
        return files;
    }
}
