package io.modelhub.hf;

import io.modelhub.platform.ModelHubConfig;
import io.modelhub.repos.Repo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.UriInfo;

/** URLs the hub hands out (HF clients parse them: they must sit on the endpoint the client was given). */
@ApplicationScoped
public class HfUrls {
    @Inject
    ModelHubConfig config;

    public String base(UriInfo uri) {
        String base = config.publicUrl().orElseGet(() -> uri.getBaseUri().toString());
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    public String repoUrl(UriInfo uri, Repo repo) {
        return base(uri) + "/" + repo.repoType().webPrefix() + repo.fullId();
    }
}
