package io.modelhub.catalog;

import io.modelhub.accounts.Viewer;
import io.modelhub.repos.Repo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Search over the catalog: PostgreSQL full text (GIN on a generated tsvector of names and cards), trigram
 * substring on ids, indexed filters and sorts. Counting stops at {@link #COUNT_CAP} so a broad query over
 * 100k repos stays as fast as a narrow one.
 */
@ApplicationScoped
public class CatalogService {
    public static final int COUNT_CAP = 10_000;

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
        return new Page(list(viewer, q), count.total(), count.capped());
    }

    /** One page of results, without counting. */
    @Transactional
    public List<Repo> list(Viewer viewer, CatalogQuery q) {
        Map<String, Object> params = new LinkedHashMap<>();
        String where = where(viewer, q, params);
        String order = switch (q.sort() == null ? CatalogQuery.Sort.UPDATED : q.sort()) {
            case RELEVANCE -> hasText(q) ? "ts_rank(r.search_document, " + TSQUERY + ") desc, r.downloads desc"
                    : "r.updated_at desc";
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

    /** Distinct values of a filterable column with their counts, for the catalog's filter menus. */
    @Transactional
    public List<Facet> facet(Viewer viewer, String column, CatalogQuery q) {
        String expr = switch (column) {
            case "modality" -> "r.modality";
            case "task" -> "r.pipeline_tag";
            case "library" -> "r.library_name";
            case "license" -> "r.license";
            case "tag" -> "unnest(r.tags)";
            default -> throw new IllegalArgumentException(column);
        };
        Map<String, Object> params = new LinkedHashMap<>();
        String where = where(viewer, q.withFilters(null, null, null, null, null, null).withText(null).withIdContains(null), params);
        Query query = em.createNativeQuery("select v, count(*) from (select " + expr + " as v from repos r where " + where
                + ") x where v is not null group by v order by count(*) desc, v limit 50");
        params.forEach(query::setParameter);
        List<Facet> facets = new ArrayList<>();
        for (Object row : query.getResultList()) {
            Object[] r = (Object[]) row;
            facets.add(new Facet((String) r[0], ((Number) r[1]).longValue()));
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
