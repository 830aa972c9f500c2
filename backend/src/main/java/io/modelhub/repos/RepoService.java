package io.modelhub.repos;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.blobs.BlobCollector;
import io.modelhub.platform.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

@ApplicationScoped
public class RepoService {
    @Inject
    EntityManager em;
    @Inject
    jakarta.enterprise.event.Event<RepoCreated> created;
    @Inject
    BlobCollector collector;

    /**
     * Creates the repository with a first commit on main holding .gitattributes, so that revision "main"
     * resolves at once (HF clients ask for it right after creating).
     */
    @Transactional
    public Repo create(Viewer viewer, RepoName repoName, boolean privateRepo) {
        viewer.requireWriter();
        if (!repoName.namespace().equalsIgnoreCase(viewer.username()) && !viewer.admin()) {
            throw ApiException.forbidden("You can only create repositories in your own namespace ('" + viewer.username() + "')");
        }
        if (find(repoName).isPresent()) {
            throw ApiException.conflict("You already created this " + repoName.type().id() + " repo: " + repoName.id());
        }
        if (Account.findByUsername(repoName.namespace()).isEmpty()) {
            throw ApiException.badRequest("Namespace '" + repoName.namespace() + "' does not exist");
        }
        Repo repo = new Repo();
        repo.type = repoName.type().id();
        repo.namespace = repoName.namespace();
        repo.name = repoName.name();
        repo.ownerId = viewer.accountId();
        repo.privateRepo = privateRepo;
        repo.createdAt = Instant.now();
        repo.updatedAt = repo.createdAt;
        repo.persist();
        em.flush();
        created.fire(new RepoCreated(repo, viewer));
        return repo;
    }

    /** The repository if it exists and the viewer may see it; otherwise 404 RepoNotFound (private stays secret). */
    @Transactional
    public Repo visible(Viewer viewer, RepoName repoName) {
        Repo repo = find(repoName).orElseThrow(() -> ApiException.repoNotFound(repoName.id()));
        if (!canRead(viewer, repo)) {
            throw ApiException.repoNotFound(repoName.id());
        }
        return repo;
    }

    /** Same as {@link #visible} but also requires write access; locks the row for the caller's transaction. */
    @Transactional
    public Repo writable(Viewer viewer, RepoName repoName) {
        Repo repo = visible(viewer, repoName);
        viewer.requireWriter();
        if (!canWrite(viewer, repo)) {
            throw ApiException.forbidden("You do not have write access to " + repoName.id());
        }
        return repo;
    }

    public Optional<Repo> find(RepoName repoName) {
        return Repo.find("type = ?1 and lower(namespace) = lower(?2) and lower(name) = lower(?3)",
                repoName.type().id(), repoName.namespace(), repoName.name()).firstResultOptional();
    }

    public static boolean canRead(Viewer viewer, Repo repo) {
        return !repo.privateRepo || viewer.admin() || viewer.isAccount(repo.ownerId);
    }

    public static boolean canWrite(Viewer viewer, Repo repo) {
        return viewer.canWrite() && (viewer.admin() || viewer.isAccount(repo.ownerId));
    }

    /**
     * Makes the repository private or public. Turning one private does not reach the models already trained on it
     * (they belong to whoever trained them, and were made from what was public then), so the answer names the public
     * ones, directly or through other models, for the owner to act on.
     *
     * @return when made private: the public models derived from it (its jobs' outputs, their jobs' outputs, ...)
     */
    @Transactional
    public List<String> setVisibility(Viewer viewer, RepoName repoName, boolean privateRepo) {
        Repo repo = writable(viewer, repoName);
        repo.privateRepo = privateRepo;
        return privateRepo ? publicDerivatives(repo) : List.of();
    }

    @SuppressWarnings("unchecked")
    private List<String> publicDerivatives(Repo repo) {
        // a dataset feeds jobs as "dataset", a model as "base_model" or as a model parameter ("owner/name@commit")
        return em.createNativeQuery("with recursive derived(type, id) as (select cast(?1 as text), cast(?2 as text) "
                        + "union select 'model', j.output_repo from jobs j join derived d on "
                        + "(d.type = 'dataset' and j.dataset = d.id) or (d.type = 'model' and (j.base_model = d.id "
                        + "or exists (select 1 from jsonb_each_text(j.params) p where split_part(p.value, '@', 1) = d.id))) "
                        + "where j.output_repo is not null) "
                        + "select d.id from derived d join repos r on r.type = 'model' and r.namespace || '/' || r.name = d.id "
                        + "where d.type = 'model' and not r.private and d.id <> ?2 order by d.id")
                .setParameter(1, repo.type).setParameter(2, repo.fullId()).getResultList();
    }

    /** Deletes the repository, its commits and refs; blobs no other commit uses are collected afterwards. */
    public void delete(Viewer viewer, RepoName repoName) {
        collector.freeIfUnreferenced(deleteRows(viewer, repoName));
    }

    /** Deletes the rows and returns the blobs the repository's commits used. */
    @Transactional
    List<String> deleteRows(Viewer viewer, RepoName repoName) {
        Repo repo = writable(viewer, repoName);
        em.lock(repo, LockModeType.PESSIMISTIC_WRITE);
        @SuppressWarnings("unchecked")
        List<String> used = ((List<String>) em.createNativeQuery("select distinct f.blob_sha256 from commit_files f "
                        + "join commits c on c.id = f.commit_id where c.repo_id = ?1")
                .setParameter(1, repo.id).getResultList()).stream().map(String::trim).toList();
        em.createNativeQuery("delete from refs where repo_id = ?1").setParameter(1, repo.id).executeUpdate();
        em.createNativeQuery("delete from commits where repo_id = ?1").setParameter(1, repo.id).executeUpdate();
        repo.delete();
        return used;
    }

    @Transactional
    public void recordDownload(long repoId, String path) {
        em.createNativeQuery("update repos set downloads = downloads + 1 where id = ?1")
                .setParameter(1, repoId).executeUpdate();
        em.createNativeQuery("insert into file_downloads (repo_id, path, count) values (?1, ?2, 1) "
                        + "on conflict (repo_id, path) do update set count = file_downloads.count + 1")
                .setParameter(1, repoId).setParameter(2, path).executeUpdate();
    }
}
