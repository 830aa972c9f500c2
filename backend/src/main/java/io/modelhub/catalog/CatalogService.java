package io.modelhub.catalog;

import io.modelhub.accounts.Viewer;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoType;
import io.quarkus.narayana.jta.QuarkusTransaction;
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
import java.util.concurrent.ConcurrentHashMap;

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

    @Transactional
    public Page search(Viewer viewer, CatalogQuery q) {
        Count count = count(viewer, q);
        return new Page(list(viewer, q, count), count.total(), count.capped());
    }

    /** One page of results; counts only when "best match" needs to know how broad the query is. */
    @Transactional
    public List<Repo> list(Viewer viewer, CatalogQuery q) {
        return list(viewer, q, null);
    }

    /** One page, reusing a count the caller already has. */
    @Transactional
    public List<Repo> list(Viewer viewer, CatalogQuery q, Count known) {
        Map<String, Object> params = new LinkedHashMap<>();
        String where = where(viewer, q, params);
        String order = switch (q.sort() == null ? CatalogQuery.Sort.UPDATED : q.sort()) {
            case RELEVANCE -> hasText(q) && !(known != null ? known : count(viewer, q)).capped()
                    ? "ts_rank(r.search_document, " + TSQUERY + ") desc, r.downloads desc" : "r.downloads desc";
            case UPDATED -> "r.updated_at desc";
            case CREATED -> "r.created_at desc";
            case DOWNLOADS -> "r.downloads desc";
            case LIKES -> "r.likes desc";
            case PARAMETERS -> "r.parameters desc nulls last";
        };
        Query select = em.createNativeQuery("select r.* from repos r where " + where + " order by " + order
                + ", r.id desc offset " + Math.max(0, q.offset()) + " limit " + Math.min(Math.max(1, q.limit()), 1000), Repo.class);
        params.forEach(select::setParameter);
        @SuppressWarnings("unchecked")
        List<Repo> items = select.getResultList();
        return items;
    }

    /** How many repositories match, counted up to {@link #COUNT_CAP}. */
    @Transactional
    public Count count(Viewer viewer, CatalogQuery q) {
        Map<String, Object> params = new LinkedHashMap<>();
        Query count = em.createNativeQuery("select count(*) from (select 1 from repos r where " + where(viewer, q, params)
                + " limit " + (COUNT_CAP + 1) + ") c");
        params.forEach(count::setParameter);
        long total = ((Number) count.getSingleResult()).longValue();
        return new Count(Math.min(total, COUNT_CAP), total > COUNT_CAP);
    }

    private record CachedFacets(long at, List<Facet> facets) {
    }

    private static final long FACET_TTL_NANOS = 60_000_000_000L;
    private final Map<String, CachedFacets> facetCache = new ConcurrentHashMap<>();

    /**
     * Distinct values of a filterable column over the public catalog with their counts, for the filter menus.
     * A group-by over every repository is too slow to run on each page view at 100k repos, so the answer is
     * kept for a minute: a new value shows up in the menus within a minute, while filtering on it works at once.
     */
    public List<Facet> facet(String column, RepoType type) {
        String key = type.id() + ":" + column;
        CachedFacets cached = facetCache.get(key);
        if (cached != null && System.nanoTime() - cached.at() < FACET_TTL_NANOS) {
            return cached.facets();
        }
        List<Facet> facets = QuarkusTransaction.requiringNew().call(() -> computeFacet(column, type));
        facetCache.put(key, new CachedFacets(System.nanoTime(), facets));
        return facets;
    }

    private List<Facet> computeFacet(String column, RepoType type) {
        String expr = switch (column) {
            case "modality" -> "r.modality";
            case "task" -> "r.pipeline_tag";
            case "library" -> "r.library_name";
            case "license" -> "r.license";
            case "tag" -> "unnest(r.tags)";
            default -> throw new IllegalArgumentException(column);
        };
        List<Facet> facets = new ArrayList<>();
        for (Object row : em.createNativeQuery("select v, count(*) as n from (select " + expr + " as v from repos r "
                        + "where r.type = ?1 and not r.private) x where v is not null group by v order by count(*) desc, v limit 50",
                        Tuple.class)
                .setParameter(1, type.id()).getResultList()) {
            Tuple r = (Tuple) row;
            facets.add(new Facet(r.get("v", String.class), r.get("n", Number.class).longValue()));
        }
        return facets;
    }

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
