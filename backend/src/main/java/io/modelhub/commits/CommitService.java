package io.modelhub.commits;

import io.modelhub.accounts.Viewer;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ModelHubConfig;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoCreated;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.blobs.GitOids;
import io.modelhub.storage.blobs.StoredBlob;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.modelhub.platform.TransferMeters;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;
import org.hibernate.Session;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Commits: every change to a repository (upload, delete, rename) becomes one immutable commit, applied
 * atomically on a branch head in one transaction. Blobs reach the store first; a failure before the
 * transaction commits leaves only unreferenced blobs, which {@link io.modelhub.blobs.BlobCollector} removes.
 */
@ApplicationScoped
public class CommitService {
    public static final String DEFAULT_BRANCH = "main";
    public static final String GITATTRIBUTES = LfsRule.gitattributes();
    private static final Pattern FULL_SHA = Pattern.compile("^[0-9a-f]{40}$");
    private static final Pattern SHORT_SHA = Pattern.compile("^[0-9a-f]{7,39}$");

    @Inject
    EntityManager em;
    @Inject
    BlobStore store;
    @Inject
    jakarta.enterprise.event.Event<FileCommitting> committing;
    @Inject
    jakarta.enterprise.event.Event<DefaultBranchMoved> defaultBranchMoved;
    @Inject
    ModelHubConfig config;
    @Inject
    BlobClaims claims;
    @Inject
    TransferMeters transfers;

    /** Streams content into the store (never into memory), refusing files over the configured limit. */
    public StoredBlob store(InputStream in, long size) {
        long max = config.upload().maxFileBytes();
        if (size > max) {
            throw ApiException.tooLarge("File is " + size + " bytes; the limit is " + max + " bytes");
        }
        try {
            long started = System.nanoTime();
            StoredBlob blob = store.put(size < 0 ? new LimitedInputStream(in, max) : in, size);
            transfers.upload(TransferMeters.COMMIT, blob.size(), System.nanoTime() - started);
            return blob;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stores an upload that {@code uploader} will commit later (a UI upload, an inline file of an NDJSON commit):
     * the blob stays claimed by it, so the blob collector keeps it even if the last repository that used the same
     * bytes is deleted meanwhile. The commit consumes the claim.
     */
    public StoredBlob store(InputStream in, long size, Viewer uploader) {
        StoredBlob blob = store(in, size);
        claims.claim(blob.sha256(), BlobClaims.account(uploader));
        return blob;
    }

    public StoredBlob storeSmall(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return store(new ByteArrayInputStream(bytes), bytes.length);
    }

    /** Every repository starts with one commit: the .gitattributes that routes large files to LFS, as the HF Hub does. */
    void onRepoCreated(@Observes RepoCreated created) {
        commit(created.repo(), DEFAULT_BRANCH, null, List.of(FileChange.put(".gitattributes", storeSmall(GITATTRIBUTES))),
                "initial commit", "", created.creator());
    }

    @Transactional
    public Commit commit(Repo detached, String branch, String expectedParent, List<FileChange> changes,
                         String title, String message, Viewer author) {
        Repo repo = em.find(Repo.class, detached.id);
        if (repo == null) {
            throw ApiException.repoNotFound(detached.fullId());
        }
        if (title == null || title.isBlank()) {
            throw ApiException.badRequest("A commit needs a summary");
        }
        if (changes.isEmpty()) {
            throw ApiException.badRequest("A commit needs at least one change");
        }
        String head = lockBranchHead(repo, branch);
        if (expectedParent != null && !expectedParent.isBlank() && !expectedParent.equals(head)) {
            throw ApiException.conflict("The branch " + branch + " has moved: its head is " + head
                    + ", not the expected parent " + expectedParent + ". Pull and retry.");
        }
        TreeMap<String, RepoFile> tree = new TreeMap<>();
        if (head != null) {
            files(head).forEach(f -> tree.put(f.path(), f));
        }
        for (FileChange change : changes) {
            apply(tree, change);
        }
        checkNoFileFolderClash(tree);
        for (FileChange change : changes) {
            if (change instanceof FileChange.Put put) {
                committing.fire(new FileCommitting(put.path(), tree.get(put.path())));
            }
        }

        Commit commit = new Commit();
        commit.repoId = repo.id;
        commit.parentId = head;
        commit.title = title.strip();
        commit.message = message == null ? "" : message.strip();
        commit.authorId = author.accountId();
        commit.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        commit.fileCount = tree.size();
        commit.totalSize = tree.values().stream().mapToLong(RepoFile::size).sum();
        commit.id = commitId(repo.id, commit, tree);
        commit.persist();
        em.flush();
        writeSnapshot(commit.id, tree);
        claims.consume(BlobClaims.account(author), changes.stream()
                .filter(c -> c instanceof FileChange.Put).map(c -> ((FileChange.Put) c).blob().sha256()).distinct().toList());
        moveBranch(repo, branch, head, commit.id);

        repo.updatedAt = commit.createdAt;
        if (branch.equals(DEFAULT_BRANCH)) {
            defaultBranchMoved.fire(new DefaultBranchMoved(repo, List.copyOf(tree.values())));
        }
        return commit;
    }

    private void apply(TreeMap<String, RepoFile> tree, FileChange change) {
        String path = change instanceof FileChange.DeleteFolder ? change.path() : RepoPaths.check(change.path());
        if (change instanceof FileChange.Put put) {
            StoredBlob b = put.blob();
            tree.put(path, new RepoFile(path, b.sha256(), b.gitSha1(), b.size(), LfsRule.isLfs(path, b.size())));
        } else if (change instanceof FileChange.Delete) {
            if (tree.remove(path) == null) {
                throw ApiException.entryNotFound(path);
            }
        } else if (change instanceof FileChange.DeleteFolder) {
            String prefix = RepoPaths.folderPrefix(path);
            Map<String, RepoFile> inside = tree.subMap(prefix, prefix + Character.MAX_VALUE);
            if (inside.isEmpty()) {
                throw ApiException.entryNotFound(path);
            }
            inside.clear();
        } else if (change instanceof FileChange.Move move) {
            String to = RepoPaths.check(move.to());
            RepoFile f = tree.remove(path);
            if (f == null) {
                throw ApiException.entryNotFound(path);
            }
            if (tree.containsKey(to)) {
                throw ApiException.conflict("'" + to + "' already exists");
            }
            tree.put(to, new RepoFile(to, f.sha256(), f.gitSha1(), f.size(), LfsRule.isLfs(to, f.size())));
        }
    }

    /** "a" as a file and "a/b" as a file cannot live in one tree (git, and every checkout, would break). */
    private static void checkNoFileFolderClash(TreeMap<String, RepoFile> tree) {
        for (String path : tree.keySet()) {
            int slash = path.indexOf('/');
            while (slash > 0) {
                String folder = path.substring(0, slash);
                if (tree.containsKey(folder)) {
                    throw ApiException.conflict("'" + folder + "' is a file, so '" + path + "' cannot be inside it");
                }
                slash = path.indexOf('/', slash + 1);
            }
        }
    }

    private String lockBranchHead(Repo repo, String branch) {
        List<?> rows = em.createNativeQuery(
                        "select commit_id from refs where repo_id = ?1 and kind = 'branch' and name = ?2 for update")
                .setParameter(1, repo.id).setParameter(2, branch).getResultList();
        if (!rows.isEmpty()) {
            return ((String) rows.get(0)).trim();
        }
        Number refCount = (Number) em.createNativeQuery("select count(*) from refs where repo_id = ?1")
                .setParameter(1, repo.id).getSingleResult();
        if (refCount.longValue() > 0) {
            throw ApiException.revisionNotFound(branch);
        }
        return null;
    }

    private void moveBranch(Repo repo, String branch, String from, String to) {
        if (from == null) {
            em.createNativeQuery("insert into refs (repo_id, kind, name, commit_id) values (?1, 'branch', ?2, ?3)")
                    .setParameter(1, repo.id).setParameter(2, branch).setParameter(3, to).executeUpdate();
        } else {
            em.createNativeQuery("update refs set commit_id = ?3, updated_at = now() "
                            + "where repo_id = ?1 and kind = 'branch' and name = ?2")
                    .setParameter(1, repo.id).setParameter(2, branch).setParameter(3, to).executeUpdate();
        }
    }

    private void writeSnapshot(String commitId, TreeMap<String, RepoFile> tree) {
        em.unwrap(Session.class).doWork(connection -> {
            try (PreparedStatement blobs = connection.prepareStatement(
                    "insert into blobs (sha256, size, git_sha1) values (?, ?, ?) on conflict do nothing");
                 PreparedStatement files = connection.prepareStatement(
                         "insert into commit_files (commit_id, path, blob_sha256, lfs) values (?, ?, ?, ?)")) {
                for (RepoFile f : tree.values()) {
                    blobs.setString(1, f.sha256());
                    blobs.setLong(2, f.size());
                    blobs.setString(3, f.gitSha1());
                    blobs.addBatch();
                    files.setString(1, commitId);
                    files.setString(2, f.path());
                    files.setString(3, f.sha256());
                    files.setBoolean(4, f.lfs());
                    files.addBatch();
                }
                blobs.executeBatch();
                files.executeBatch();
            }
        });
    }

    private static String commitId(long repoId, Commit c, TreeMap<String, RepoFile> tree) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            StringBuilder header = new StringBuilder()
                    .append("repo ").append(repoId).append('\n')
                    .append("parent ").append(c.parentId == null ? "" : c.parentId).append('\n')
                    .append("author ").append(c.authorId).append(' ').append(c.createdAt).append('\n')
                    .append(c.title).append("\n\n").append(c.message).append('\n');
            sha1.update(header.toString().getBytes(StandardCharsets.UTF_8));
            for (RepoFile f : tree.values()) {
                sha1.update((f.path() + '\0' + f.sha256() + '\n').getBytes(StandardCharsets.UTF_8));
            }
            return GitOids.hex(sha1.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Resolves HEAD, a branch, a tag, refs/heads/x, refs/tags/x, or a (short) commit sha of this repo. */
    @Transactional
    public String resolve(Repo repo, String revision) {
        String rev = revision == null || revision.isBlank() || revision.equals("HEAD") ? DEFAULT_BRANCH : revision;
        String kind = null;
        String name = rev;
        if (rev.startsWith("refs/heads/")) {
            kind = "branch";
            name = rev.substring("refs/heads/".length());
        } else if (rev.startsWith("refs/tags/")) {
            kind = "tag";
            name = rev.substring("refs/tags/".length());
        }
        List<?> refs = em.createNativeQuery("select commit_id from refs where repo_id = ?1 and name = ?2 "
                        + "and (cast(?3 as text) is null or kind = ?3) order by kind")
                .setParameter(1, repo.id).setParameter(2, name).setParameter(3, kind).getResultList();
        if (!refs.isEmpty()) {
            return ((String) refs.get(0)).trim();
        }
        if (kind == null && (FULL_SHA.matcher(rev).matches() || SHORT_SHA.matcher(rev).matches())) {
            List<?> ids = em.createNativeQuery("select id from commits where repo_id = ?1 and id like ?2 limit 2")
                    .setParameter(1, repo.id).setParameter(2, rev + "%").getResultList();
            if (ids.size() == 1) {
                return ((String) ids.get(0)).trim();
            }
        }
        throw ApiException.revisionNotFound(revision);
    }

    @Transactional
    public List<RepoFile> files(String commitId) {
        List<?> rows = em.createNativeQuery("select f.path, f.blob_sha256, b.git_sha1, b.size, f.lfs "
                        + "from commit_files f join blobs b on b.sha256 = f.blob_sha256 "
                        + "where f.commit_id = ?1 order by f.path", Tuple.class)
                .setParameter(1, commitId).getResultList();
        List<RepoFile> files = new ArrayList<>(rows.size());
        for (Object row : rows) {
            files.add(toFile((Tuple) row));
        }
        return files;
    }

    @Transactional
    public Optional<RepoFile> file(String commitId, String path) {
        List<?> rows = em.createNativeQuery("select f.path, f.blob_sha256, b.git_sha1, b.size, f.lfs "
                        + "from commit_files f join blobs b on b.sha256 = f.blob_sha256 "
                        + "where f.commit_id = ?1 and f.path = ?2", Tuple.class)
                .setParameter(1, commitId).setParameter(2, path).getResultList();
        return rows.isEmpty() ? Optional.empty() : Optional.of(toFile((Tuple) rows.get(0)));
    }

    private static RepoFile toFile(Tuple r) {
        return new RepoFile(r.get("path", String.class), r.get("blob_sha256", String.class).trim(), r.get("git_sha1", String.class).trim(),
                r.get("size", Number.class).longValue(), r.get("lfs", Boolean.class));
    }

    /** The commits reachable from a revision, newest first. */
    @Transactional
    public List<Commit> history(Repo repo, String revision, int limit) {
        String head = resolve(repo, revision);
        @SuppressWarnings("unchecked")
        List<Commit> commits = em.createNativeQuery("with recursive h(id, parent_id, depth) as ("
                        + " select id, parent_id, 0 from commits where id = ?1"
                        + " union all select c.id, c.parent_id, h.depth + 1 from commits c join h on c.id = h.parent_id"
                        + " where h.depth < ?2)"
                        + " select c.* from commits c join h on c.id = h.id order by h.depth", Commit.class)
                .setParameter(1, head).setParameter(2, limit - 1).getResultList();
        return commits;
    }

    public record Ref(String kind, String name, String commitId) {
    }

    @Transactional
    public List<Ref> refs(Repo repo) {
        List<?> rows = em.createNativeQuery("select kind, name, commit_id from refs where repo_id = ?1 order by kind, name", Tuple.class)
                .setParameter(1, repo.id).getResultList();
        List<Ref> refs = new ArrayList<>();
        for (Object row : rows) {
            Tuple r = (Tuple) row;
            refs.add(new Ref(r.get("kind", String.class), r.get("name", String.class), r.get("commit_id", String.class).trim()));
        }
        return refs;
    }

    /**
     * Points a new branch or tag at a commit. Branches then move with commits; tags never move.
     *
     * @param kind "branch" or "tag"
     */
    @Transactional
    public void createRef(Repo repo, String kind, String name, String commitId) {
        int inserted = em.createNativeQuery("insert into refs (repo_id, kind, name, commit_id) values (?1, ?2, ?3, ?4) "
                        + "on conflict do nothing")
                .setParameter(1, repo.id).setParameter(2, kind).setParameter(3, name).setParameter(4, commitId)
                .executeUpdate();
        if (inserted == 0) {
            throw ApiException.conflict("The " + kind + " '" + name + "' already exists");
        }
    }

    @Transactional
    public void deleteRef(Repo repo, String kind, String name) {
        if (kind.equals("branch") && name.equals(DEFAULT_BRANCH)) {
            throw ApiException.forbidden("The default branch '" + DEFAULT_BRANCH + "' cannot be deleted");
        }
        int deleted = em.createNativeQuery("delete from refs where repo_id = ?1 and kind = ?2 and name = ?3")
                .setParameter(1, repo.id).setParameter(2, kind).setParameter(3, name).executeUpdate();
        if (deleted == 0) {
            throw ApiException.revisionNotFound(name);
        }
    }

    /**
     * Records a blob that reached the store without a commit (an LFS upload), so that a later commit can refer
     * to it. Recording it again restarts its grace period in the blob collector.
     */
    @Transactional
    public void registerBlob(StoredBlob blob) {
        em.createNativeQuery("insert into blobs (sha256, size, git_sha1) values (?1, ?2, ?3) "
                        + "on conflict (sha256) do update set created_at = now()")
                .setParameter(1, blob.sha256()).setParameter(2, blob.size()).setParameter(3, blob.gitSha1())
                .executeUpdate();
    }

    /**
     * The blob if it is recorded, with its grace period in the blob collector restarted: a client told that the
     * object is already stored will commit it within minutes, and it must still be there then.
     */
    @Transactional
    public Optional<StoredBlob> touchBlob(String sha256) {
        List<?> rows = em.createNativeQuery("update blobs set created_at = now() where sha256 = ?1 "
                        + "returning size, git_sha1", Tuple.class)
                .setParameter(1, sha256).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Tuple r = (Tuple) rows.get(0);
        return Optional.of(new StoredBlob(sha256, r.get("git_sha1", String.class).trim(), r.get("size", Number.class).longValue()));
    }

    /** Author names for display, by account id. */
    @Transactional
    public Map<Long, String> authorNames(List<Commit> commits) {
        Map<Long, String> names = new java.util.HashMap<>();
        List<Long> ids = commits.stream().map(c -> c.authorId).filter(java.util.Objects::nonNull).distinct().toList();
        if (!ids.isEmpty()) {
            for (Object row : em.createNativeQuery("select id, username from accounts where id in (?1)", Tuple.class)
                    .setParameter(1, ids).getResultList()) {
                Tuple r = (Tuple) row;
                names.put(r.get("id", Number.class).longValue(), r.get("username", String.class));
            }
        }
        return names;
    }

    /** Stops a stream of unknown length at the size limit instead of filling the store. */
    private static final class LimitedInputStream extends FilterInputStream {
        private final long max;
        private long count;

        LimitedInputStream(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                check(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                check(n);
            }
            return n;
        }

        private void check(int n) {
            count += n;
            if (count > max) {
                throw ApiException.tooLarge("File is larger than the limit of " + max + " bytes");
            }
        }
    }
}
