package io.modelhub.jobs;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.FileChange;
import io.modelhub.contract.RecipeDescriptor;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.JsonText;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.runners.RunnerService;
import io.modelhub.storage.blobs.StoredBlob;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Publishes the model a job produced: the files its successful attempt uploaded plus a generated card, committed
 * to the job's output repository (created, as the job's owner, if missing). Runs inside the transaction that marks
 * the job succeeded, so the model and the success appear together or not at all.
 */
@ApplicationScoped
public class JobPublisher {
    @Inject
    EntityManager em;
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    RunnerService runners;
    @Inject
    JsonText json;

    /** @param commitId null for a recipe that produces no model (an evaluation): nothing was committed */
    public record Publication(String outputRepo, String commitId) {
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public Publication publish(long jobId, int attempt, Map<String, Object> result) {
        Tuple j = (Tuple) em.createNativeQuery("select owner_id, output_repo, recipe_id, recipe_version, cast(params as text) as params, "
                + "base_model, base_revision, dataset, dataset_revision, private_output from jobs where id = ?1", Tuple.class)
                .setParameter(1, jobId).getSingleResult();
        String outputRepo = j.get("output_repo", String.class);
        if (outputRepo == null) {
            return new Publication(null, null);
        }
        List<FileChange> changes = new ArrayList<>();
        for (Object row : em.createNativeQuery("select o.path, b.sha256, b.git_sha1, b.size from job_outputs o join blobs b "
                + "on b.sha256 = o.blob_sha256 where o.job_id = ?1 and o.attempt = ?2", Tuple.class)
                .setParameter(1, jobId).setParameter(2, attempt).getResultList()) {
            Tuple o = (Tuple) row;
            String path = o.get("path", String.class);
            // the hub writes the card itself, from what it knows of the run
            if (!path.equalsIgnoreCase("README.md")) {
                changes.add(FileChange.put(path, new StoredBlob(o.get("sha256", String.class).trim(),
                        o.get("git_sha1", String.class).trim(), o.get("size", Number.class).longValue())));
            }
        }
        if (changes.isEmpty()) {
            throw ApiException.badRequest("Job " + jobId + " has no outputs to commit: upload them first");
        }
        String recipe = j.get("recipe_id", String.class);
        String version = j.get("recipe_version", String.class);
        // the task the recipe publishes (fill-mask for masked-token pre-training, ...), so the model is catalogued as it is
        String task = runners.recipe(recipe, version).flatMap(RecipeDescriptor::pipelineTag).orElse(null);
        String card = JobCard.render(jobId, recipe, task, version, json.readMap(j.get("params", String.class)),
                j.get("base_model", String.class), trim(j.get("base_revision", String.class)), j.get("dataset", String.class),
                trim(j.get("dataset_revision", String.class)), result);
        changes.add(FileChange.put("README.md", commits.storeSmall(card)));
        Viewer owner = Viewer.session(Account.findById(j.get("owner_id", Number.class).longValue()));
        RepoName output = RepoName.parse(RepoType.MODEL, outputRepo);
        // private when asked, or when anything it was trained on was private at submit
        Repo repo = repos.find(output).orElseGet(() -> repos.create(owner, output, j.get("private_output", Boolean.class)));
        String commitId = commits.commit(repo, CommitService.DEFAULT_BRANCH, null, changes, "Trained by job " + jobId, "", owner).id;
        return new Publication(outputRepo, commitId);
    }

    private static String trim(String s) {
        return s == null ? null : s.trim();
    }
}
