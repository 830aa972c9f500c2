package io.modelhub.crossmodal;

import io.modelhub.accounts.CurrentViewer;
import io.modelhub.commits.CommitService;
import io.modelhub.platform.ApiException;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The model page's cross-modal search over HTTP, for scripts: a text query ranked against a dual encoder's index. */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class CrossModalSearchResource {
    static final int MAX_HITS = 100;

    @Inject
    CurrentViewer viewer;
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    CrossModalSearch search;

    @GET
    @Path("crossmodal/{namespace}/{name}/search")
    @Operation(summary = "Rank a dual encoder's indexed items for a text query (embedded by its text tower on a serving "
            + "runner; 503 with the reason when none serves)")
    // no transaction around it: the query waits for a serving runner (up to modelhub.inference.wait-seconds)
    public CrossModalSearch.Answer search(@PathParam("namespace") String namespace, @PathParam("name") String name,
                                          @QueryParam("q") String q, @QueryParam("revision") String revision,
                                          @QueryParam("limit") Integer limit) throws InterruptedException {
        if (q == null || q.isBlank()) {
            throw ApiException.badRequest("Give a text to search for: ?q=...");
        }
        int k = limit == null ? 10 : limit;
        if (k < 1 || k > MAX_HITS) {
            throw ApiException.badRequest("limit must be between 1 and " + MAX_HITS);
        }
        Repo model = repos.visible(viewer.get(), new RepoName(RepoType.MODEL, namespace, name));
        String commit = commits.resolve(model, revision);
        CrossModalSearch.Index index = search.index(model, commit).orElseThrow(() -> ApiException.badRequest(model.fullId()
                + " is not a cross-modal model with an embedding index (model_type " + CrossModalSearch.MODEL_TYPE + ")"));
        return search.byText(model, index, q, k);
    }
}
