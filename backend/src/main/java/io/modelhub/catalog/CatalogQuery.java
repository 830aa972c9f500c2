package io.modelhub.catalog;

import io.modelhub.repos.RepoType;

/**
 * A catalog search. {@code text} is full-text over names and cards (the UI's search box); {@code idContains}
 * is a plain substring of "namespace/name" (the HF API's {@code search} parameter). Null filters are off.
 */
public record CatalogQuery(RepoType type, String text, String idContains, String modality, String task,
                           String library, String license, String tag, String author, Sort sort, int offset,
                           int limit) {

    public enum Sort { RELEVANCE, UPDATED, CREATED, DOWNLOADS, LIKES, PARAMETERS }

    public static CatalogQuery models() {
        return new CatalogQuery(RepoType.MODEL, null, null, null, null, null, null, null, null, Sort.UPDATED, 0, 30);
    }

    public CatalogQuery withText(String t) {
        return new CatalogQuery(type, t, idContains, modality, task, library, license, tag, author, sort, offset, limit);
    }

    public CatalogQuery withIdContains(String s) {
        return new CatalogQuery(type, text, s, modality, task, library, license, tag, author, sort, offset, limit);
    }

    public CatalogQuery withFilters(String modality, String task, String library, String license, String tag, String author) {
        return new CatalogQuery(type, text, idContains, modality, task, library, license, tag, author, sort, offset, limit);
    }

    public CatalogQuery withSort(Sort s) {
        return new CatalogQuery(type, text, idContains, modality, task, library, license, tag, author, s, offset, limit);
    }

    public CatalogQuery withPage(int offset, int limit) {
        return new CatalogQuery(type, text, idContains, modality, task, library, license, tag, author, sort, offset, limit);
    }

    public CatalogQuery withType(RepoType t) {
        return new CatalogQuery(t, text, idContains, modality, task, library, license, tag, author, sort, offset, limit);
    }
}
