package io.modelhub.repos;

import io.modelhub.platform.ApiException;

public enum RepoType {
    MODEL("model", "models", ""),
    DATASET("dataset", "datasets", "datasets/");

    private final String id;
    private final String plural;
    private final String webPrefix;

    RepoType(String id, String plural, String webPrefix) {
        this.id = id;
        this.plural = plural;
        this.webPrefix = webPrefix;
    }

    /** As stored and as the HF API names it: "model", "dataset". */
    public String id() {
        return id;
    }

    /** The API path segment: /api/models, /api/datasets. */
    public String plural() {
        return plural;
    }

    /** Prefix of web paths (resolve, the repo page): none for models, "datasets/" for datasets. */
    public String webPrefix() {
        return webPrefix;
    }

    public static RepoType fromId(String id) {
        if (id == null || id.isBlank()) {
            return MODEL;
        }
        for (RepoType t : values()) {
            if (t.id.equalsIgnoreCase(id) || t.plural.equalsIgnoreCase(id)) {
                return t;
            }
        }
        throw ApiException.badRequest("Unknown repository type '" + id + "' (model or dataset)");
    }
}
