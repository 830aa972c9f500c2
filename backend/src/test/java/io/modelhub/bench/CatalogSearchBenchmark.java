package io.modelhub.bench;

import io.modelhub.accounts.Viewer;
import io.modelhub.catalog.CatalogQuery;
import io.modelhub.catalog.CatalogService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Catalog search over generated repositories (names, cards, tasks, licenses, tags, parameter counts drawn from
 * small vocabularies, so words repeat as in a real catalog): p50/p95 per query kind, page + count as the catalog
 * page asks them, with 20 rounds of warm-up first. {@code -Dcatalog.repos=1000000} sets the count (100k unless
 * told).
 */
@QuarkusTest
class CatalogSearchBenchmark {
    static final int REPOS = Integer.getInteger("catalog.repos", 100_000);
    static final int ROUNDS = 200;
    /** Rows per generating transaction: a million in one ran past the default transaction timeout. */
    static final int CHUNK = 100_000;

    @Inject
    CatalogService catalog;
    @Inject
    EntityManager em;

    @Test
    void searchOverGeneratedRepos() {
        long t0 = System.nanoTime();
        for (int from = 1; from <= REPOS; from += CHUNK) {
            int first = from;
            int last = Math.min(REPOS, from + CHUNK - 1);
            QuarkusTransaction.requiringNew().timeout(900).run(() -> generate(first, last));
        }
        QuarkusTransaction.requiringNew().timeout(900).run(() -> em.createNativeQuery("analyze repos").executeUpdate());
        double generateSeconds = (System.nanoTime() - t0) / 1e9;

        Map<String, CatalogQuery> queries = new LinkedHashMap<>();
        CatalogQuery models = CatalogQuery.models();
        queries.put("no filter, recently updated", models);
        queries.put("full text, common word ('encoder')", models.withText("encoder").withSort(CatalogQuery.Sort.RELEVANCE));
        queries.put("full text, rare word ('zebra')", models.withText("zebra").withSort(CatalogQuery.Sort.RELEVANCE));
        queries.put("name fragment ('bert-ti')", models.withText("bert-ti").withSort(CatalogQuery.Sort.RELEVANCE));
        queries.put("filter task + license, most downloads", models.withFilters(null, "text-classification", null, "mit", null, null)
                .withSort(CatalogQuery.Sort.DOWNLOADS));
        queries.put("filter modality + tag, most parameters", models.withFilters("audio", null, null, null, "tag-7", null)
                .withSort(CatalogQuery.Sort.PARAMETERS));
        queries.put("text + filter, page 10", models.withText("classifier").withFilters("vision", null, null, null, null, null)
                .withPage(270, 30));
        queries.put("HF API search (id substring), most likes", models.withIdContains("org-42/").withSort(CatalogQuery.Sort.LIKES));

        BenchmarkReport.line("catalog: generated %d repos in %.1f s", REPOS, generateSeconds);
        List<Double> all = new ArrayList<>();
        for (Map.Entry<String, CatalogQuery> q : queries.entrySet()) {
            for (int i = 0; i < 20; i++) {
                catalog.search(Viewer.ANONYMOUS, q.getValue());
            }
            List<Double> ms = new ArrayList<>();
            long hits = 0;
            for (int i = 0; i < ROUNDS; i++) {
                long s = System.nanoTime();
                hits = catalog.search(Viewer.ANONYMOUS, q.getValue()).total();
                ms.add((System.nanoTime() - s) / 1e6);
            }
            all.addAll(ms);
            BenchmarkReport.line("catalog: %-45s p50 %6.2f ms  p95 %6.2f ms  (%d matches)", q.getKey(),
                    BenchmarkReport.percentile(ms, 50), BenchmarkReport.percentile(ms, 95), hits);
        }
        long f0 = System.nanoTime();
        for (String column : List.of("modality", "task", "library", "license", "tag")) {
            catalog.facet(column, io.modelhub.repos.RepoType.MODEL);
        }
        BenchmarkReport.line("catalog: five filter menus (facets), uncached: %.1f ms", (System.nanoTime() - f0) / 1e6);
        // the group-by over every public repo that the menus ran before repo_facet_counts (V16), same rows
        long g0 = System.nanoTime();
        QuarkusTransaction.requiringNew().timeout(900).run(() -> {
            for (String expr : List.of("r.modality", "r.pipeline_tag", "r.library_name", "r.license", "unnest(r.tags)")) {
                em.createNativeQuery("select v, count(*) as n from (select " + expr + " as v from repos r where r.type = 'model' "
                        + "and not r.private) x where v is not null group by v order by count(*) desc, v limit 50").getResultList();
            }
        });
        BenchmarkReport.line("catalog: the same five menus as a group-by over the repos (before V16): %.1f ms", (System.nanoTime() - g0) / 1e6);
        BenchmarkReport.line("catalog: all queries                                   p50 %6.2f ms  p95 %6.2f ms",
                BenchmarkReport.percentile(all, 50), BenchmarkReport.percentile(all, 95));
        assertFalse(catalog.search(Viewer.ANONYMOUS, models.withText("zebra")).items().isEmpty());
    }

    /**
     * Rows first..last, generated in SQL (100k in a few seconds); ANALYZE follows so the planner knows them.
     * Products that pass 2^31 are computed in bigint ({@code g * 7919} overflowed past 271k rows).
     */
    void generate(int first, int last) {
        em.createNativeQuery("""
                with words as (select array['encoder','decoder','classifier','tiny','base','large','bert','vit','wav2vec',
                    'resnet','speech','vision','text','sentiment','zebra','multilingual','distilled','audio','image',
                    'retrieval','clip','whisper','convnext','instruct','chat','small','mini','medium','xl','finetuned'] as w),
                     tasks as (select array['text-classification','fill-mask','image-classification','audio-classification',
                    'automatic-speech-recognition','feature-extraction','zero-shot-image-classification','token-classification'] as t)
                insert into repos (type, namespace, name, owner_id, private, created_at, updated_at, downloads, likes,
                                   license, pipeline_tag, library_name, modality, tags, parameters, total_size, card_summary)
                select 'model',
                       'org-' || (g % 500),
                       w[1 + (g * 7) % 30] || '-' || w[1 + (g * 13) % 30] || '-' || g,
                       (select id from accounts where username = 'admin'),
                       g % 50 = 0,
                       now() - (g || ' minutes')::interval,
                       now() - ((g * 37) % 100000 || ' minutes')::interval,
                       (g::bigint * 7919) % 1000000,
                       (g::bigint * 104729) % 5000,
                       (array['mit','apache-2.0','cc-by-4.0','openrail','llama3'])[1 + g % 5],
                       t[1 + g % 8],
                       (array['transformers','djl','timm','sentence-transformers'])[1 + g % 4],
                       (array['text','text','vision','audio','text','text','multimodal','text'])[1 + g % 8],
                       array['tag-' || (g % 40), 'tag-' || (g % 13)],
                       ((g::bigint * 2654435761) % 7000000000),
                       ((g::bigint * 2654435761) % 14000000000),
                       'A ' || w[1 + (g * 3) % 30] || ' ' || w[1 + (g * 11) % 30] || ' model for ' || t[1 + g % 8]
                           || ', trained on ' || w[1 + (g * 17) % 30] || ' data. It is ' || w[1 + (g * 19) % 30]
                           || ' and ' || w[1 + (g * 23) % 30] || '.'
                from generate_series(cast(:first as integer), cast(:last as integer)) g, words, tasks
                """).setParameter("first", first).setParameter("last", last).executeUpdate();
    }
}
