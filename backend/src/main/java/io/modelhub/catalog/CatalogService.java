package io.modelhub.catalog;

import io.modelhub.accounts.Viewer;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Search over the catalog: PostgreSQL full text (GIN on a generated tsvector of names and cards), trigram
 * substring on ids, indexed filters and sorts. Counting stops at {@link #COUNT_CAP}, and "best match" ranks by
 * ts_rank only when at most that many repos match (ranking means scoring every match); a broader query is
 * ordered by downloads, which the index answers at once. So a broad query over 100k repos stays as fast as a
 * narrow one (docs/benchmarks.md).
 */
@ApplicationScoped
public class CatalogService {
    public static final int COUNT_CAP = 1_000;

    @Inject
    EntityManager em;

    public record Page(List<Repo> items, long total, boolean totalCapped) {
    }

    public record Facet(String value, long count) {
    }

    public record Count(long total, boolean capped) {
    }

    /**
     * A page and the (capped) count. A query with at most {@link #COUNT_CAP} matches is answered by one scan that
     * counts them and orders them (best match ranks them all), then the page's rows by id; a broader one by the
     * capped count and the page read along the sort's index, which stops after the page.
     */
    @Transactional
    public Page search(Viewer viewer, CatalogQuery q) {
        customPlans();
        Map<String, Object> params = new LinkedHashMap<>();
        String where = where(viewer, q, params);
        CatalogQuery.Sort sort = q.sort() == null ? CatalogQuery.Sort.UPDATED : q.sort();
        String keys = switch (sort) {
            case RELEVANCE -> hasText(q) ? "ts_rank(r.search_document, " + TSQUERY + ") as rank, r.downloads" : "r.downloads";
            case UPDATED -> "r.updated_at";
            case CREATED -> "r.created_at";
            case DOWNLOADS -> "r.downloads";
            case LIKES -> "r.likes";
            case PARAMETERS -> "r.parameters";
        };
        // the outer query orders the inner one's columns: the list order, read from m instead of r
        String order = sort == CatalogQuery.Sort.RELEVANCE && hasText(q) ? "m.rank desc, m.downloads desc"
                : order(sort, false).replace("r.", "m.");
        Query page = em.createNativeQuery("select m.id, count(*) over () as matches from (select r.id, " + keys
                + " from repos r where " + where + " limit " + (COUNT_CAP + 1) + ") m order by " + order
                + ", m.id desc offset " + Math.max(0, q.offset()) + " limit " + Math.min(Math.max(1, q.limit()), 1000), Tuple.class);
        params.forEach(page::setParameter);
        @SuppressWarnings("unchecked")
        List<Tuple> rows = page.getResultList();
        long matches = rows.isEmpty() ? -1 : rows.get(0).get("matches", Number.class).longValue();
        if (matches > COUNT_CAP) {
            Count capped = new Count(COUNT_CAP, true);
            return new Page(list(viewer, q, capped), capped.total(), true);
        }
        if (rows.isEmpty()) {
            // past the last match, or none at all: only a count says which
            Count count = q.offset() > 0 ? count(viewer, q) : new Count(0, false);
            return new Page(List.of(), count.total(), count.capped());
        }
        List<Long> ids = rows.stream().map(t -> t.get("id", Number.class).longValue()).toList();
        Map<Long, Repo> byId = new java.util.HashMap<>();
        for (Repo r : Repo.<Repo>list("id in ?1", ids)) {
            byId.put(r.id, r);
        }
        return new Page(ids.stream().map(byId::get).filter(java.util.Objects::nonNull).toList(), matches, false);
    }

    /** One page of results; counts only when "best match" needs to know how broad the query is. */
    @Transactional
    public List<Repo> list(Viewer viewer, CatalogQuery q) {
        return list(viewer, q, null);
    }

    /** One page, reusing a count the caller already has. */
    @Transactional
    public List<Repo> list(Viewer viewer, CatalogQuery q, Count known) {
        customPlans();
        Map<String, Object> params = new LinkedHashMap<>();
        String where = where(viewer, q, params);
        CatalogQuery.Sort sort = q.sort() == null ? CatalogQuery.Sort.UPDATED : q.sort();
        boolean ranked = sort == CatalogQuery.Sort.RELEVANCE && hasText(q) && !(known != null ? known : count(viewer, q)).capped();
        String order = order(sort, ranked);
        Query select = em.createNativeQuery("select r.* from repos r where " + where + " order by " + order
                + ", r.id desc offset " + Math.max(0, q.offset()) + " limit " + Math.min(Math.max(1, q.limit()), 1000), Repo.class);
        params.forEach(select::setParameter);
        @SuppressWarnings("unchecked")
        List<Repo> items = select.getResultList();
        return items;
    }

    /**
     * Plans made for this query's values. The driver prepares a statement run five times on the server, and
     * PostgreSQL may then reuse a generic plan made without the values; for a search that plan cannot know how
     * rare a pattern or a tag is: at 1M repos the HF API's {@code search=org-42/} (2,000 matches) walked the likes
     * index past most of the catalog with its generic plan, over 2 s a query, against 0.15 s with the value known.
     */
    private void customPlans() {
        em.createNativeQuery("set local plan_cache_mode = force_custom_plan").executeUpdate();
    }

    /** The order of a page before its tie-break on id; {@code ranked}: best match by ts_rank. */
    private static String order(CatalogQuery.Sort sort, boolean ranked) {
        return switch (sort) {
            case RELEVANCE -> ranked ? "ts_rank(r.search_document, " + TSQUERY + ") desc, r.downloads desc" : "r.downloads desc";
            case UPDATED -> "r.updated_at desc";
            case CREATED -> "r.created_at desc";
            case DOWNLOADS -> "r.downloads desc";
            case LIKES -> "r.likes desc";
            case PARAMETERS -> "r.parameters desc nulls last";
        };
    }

    /** How many repositories match, counted up to {@link #COUNT_CAP}. */
    @Transactional
    public Count count(Viewer viewer, CatalogQuery q) {
        customPlans();
        Map<String, Object> params = new LinkedHashMap<>();
        Query count = em.createNativeQuery("select count(*) from (select 1 from repos r where " + where(viewer, q, params)
                + " limit " + (COUNT_CAP + 1) + ") c");
        params.forEach(count::setParameter);
        long total = ((Number) count.getSingleResult()).longValue();
        return new Count(Math.min(total, COUNT_CAP), total > COUNT_CAP);
    }

    /**
     * Distinct values of a filterable column over the public catalog with their counts, for the filter menus: the
     * 50 most frequent. Read from repo_facet_counts, which a trigger on repos keeps in the transaction that
     * changes a repo (V16), so a new value is in the menus as soon as its repo is, at a million repos too.
     */
    @Transactional
    public List<Facet> facet(String column, RepoType type) {
        if (!FACETS.contains(column)) {
            throw new IllegalArgumentException(column);
        }
        List<Facet> facets = new ArrayList<>();
        for (Object row : em.createNativeQuery("select value, repos from repo_facet_counts where type = ?1 and facet = ?2 "
                        + "and repos > 0 order by repos desc, value limit 50", Tuple.class)
                .setParameter(1, type.id()).setParameter(2, column).getResultList()) {
            Tuple r = (Tuple) row;
            facets.add(new Facet(r.get("value", String.class), r.get("repos", Number.class).longValue()));
        }
        return facets;
    }

    /** The menus repo_facet_counts keeps: modality, pipeline_tag, library_name, license, tags. */
    public static final List<String> FACETS = List.of("modality", "task", "library", "license", "tag");

    private static final String TSQUERY = "(websearch_to_tsquery('simple', :text) || websearch_to_tsquery('english', :text))";

    private static boolean hasText(CatalogQuery q) {
        return q.text() != null && !q.text().isBlank();
    }

    private static String where(Viewer viewer, CatalogQuery q, Map<String, Object> params) {
        List<String> clauses = new ArrayList<>();
        clauses.add("r.type = :type");
        params.put("type", q.type().id());
        if (!viewer.admin()) {
            if (viewer.anonymous()) {
                clauses.add("not r.private");
            } else {
                clauses.add("(not r.private or r.owner_id = :viewer)");
                params.put("viewer", viewer.accountId());
            }
        }
        if (hasText(q)) {
            // Full text for words, trigram substring for fragments of names ("bert-ba").
            clauses.add("(r.search_document @@ " + TSQUERY + " or (r.namespace || '/' || r.name) ilike :like)");
            params.put("text", q.text().trim());
            params.put("like", "%" + escapeLike(q.text().trim()) + "%");
        }
        if (q.idContains() != null && !q.idContains().isBlank()) {
            clauses.add("(r.namespace || '/' || r.name) ilike :idlike");
            params.put("idlike", "%" + escapeLike(q.idContains().trim()) + "%");
        }
        addEquals(clauses, params, "r.modality", "modality", q.modality());
        addEquals(clauses, params, "r.pipeline_tag", "task", q.task());
        addEquals(clauses, params, "r.library_name", "library", q.library());
        addEquals(clauses, params, "r.license", "license", q.license());
        if (q.tag() != null && !q.tag().isBlank()) {
            clauses.add("r.tags @> array[cast(:tag as text)]");
            params.put("tag", q.tag());
        }
        if (q.author() != null && !q.author().isBlank()) {
            clauses.add("lower(r.namespace) = lower(:author)");
            params.put("author", q.author());
        }
        return String.join(" and ", clauses);
    }

    private static void addEquals(List<String> clauses, Map<String, Object> params, String column, String name, String value) {
        if (value != null && !value.isBlank()) {
            clauses.add(column + " = :" + name);
            params.put(name, value);
        }
    }

    private static String escapeLike(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
