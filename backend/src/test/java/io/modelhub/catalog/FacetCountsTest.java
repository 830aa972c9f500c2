package io.modelhub.catalog;

import io.modelhub.repos.RepoType;
import io.modelhub.testing.HubApi;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The filter menus come from repo_facet_counts, which a trigger on repos keeps (V16): the counts equal a group-by
 * over the repos after every kind of change, and a new value is in its menu at once.
 */
@QuarkusTest
class FacetCountsTest {
    @Inject
    CatalogService catalog;
    @Inject
    EntityManager em;

    @Test
    void aCommittedCardsValuesAreInTheMenusAtOnce() {
        String license = "facet-lic-" + System.nanoTime();
        HubApi.model("facet-counted")
                .file("README.md", HubApi.readme("license: " + license + "\ntags: [" + license + "-tag, " + license + "-tag]", "Counted."))
                .create();
        assertEquals(1, count("license", license));
        assertEquals(1, count("tag", license + "-tag"), "a tag counts once per repo");
        assertCountsEqualAGroupBy();
    }

    @Test
    void insertsUpdatesAndDeletesOfAnyKindKeepTheCounts() {
        String v = "facet-" + System.nanoTime();
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("insert into repos (type, namespace, name, owner_id, private, "
                        + "license, pipeline_tag, modality, tags) select 'model', 'facet-ns', ?1 || '-' || g, "
                        + "(select id from accounts where username = 'admin'), g % 5 = 0, ?1, 'task-' || ?1, 'vision', "
                        + "array[?1 || '-a', ?1 || '-' || (g % 2)] from generate_series(1, 20) g")
                .setParameter(1, v).executeUpdate());
        assertEquals(16, count("license", v), "private repos are not in the menus");
        assertEquals(8, count("tag", v + "-0"));
        assertEquals(16, count("tag", v + "-a"));
        assertCountsEqualAGroupBy();

        QuarkusTransaction.requiringNew().run(() -> {
            // a download, a facet change, publishing, hiding: one statement each
            em.createNativeQuery("update repos set downloads = downloads + 1 where namespace = 'facet-ns' and name like ?1")
                    .setParameter(1, v + "-%").executeUpdate();
            em.createNativeQuery("update repos set license = ?1 || '-b', tags = array[?1 || '-a'] where namespace = 'facet-ns' and name = ?1 || '-1'")
                    .setParameter(1, v).executeUpdate();
            em.createNativeQuery("update repos set private = false where namespace = 'facet-ns' and name = ?1 || '-5'")
                    .setParameter(1, v).executeUpdate();
            em.createNativeQuery("update repos set private = true where namespace = 'facet-ns' and name = ?1 || '-2'")
                    .setParameter(1, v).executeUpdate();
        });
        assertEquals(15, count("license", v));
        assertEquals(1, count("license", v + "-b"));
        assertEquals(16, count("tag", v + "-a"));
        assertCountsEqualAGroupBy();

        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("delete from repos where namespace = 'facet-ns' and name like ?1")
                .setParameter(1, v + "-%").executeUpdate());
        assertEquals(0, count("license", v));
        assertEquals(0, count("task", "task-" + v));
        assertCountsEqualAGroupBy();
    }

    private long count(String facet, String value) {
        // the menu lists the 50 most frequent values; this repo's values are rare, so they are read from the table
        Number n = QuarkusTransaction.requiringNew().call(() -> (Number) em.createNativeQuery("select coalesce(sum(repos), 0) "
                        + "from repo_facet_counts where type = 'model' and facet = ?1 and value = ?2")
                .setParameter(1, facet).setParameter(2, value).getSingleResult());
        return n.longValue();
    }

    /** The counts, written independently of the trigger: one plain group-by per menu, in the same snapshot. */
    private void assertCountsEqualAGroupBy() {
        List<Tuple> differences = QuarkusTransaction.requiringNew().call(() -> {
            @SuppressWarnings("unchecked")
            List<Tuple> rows = em.createNativeQuery("""
                    with live as (
                        select type, 'modality' as facet, modality as value, count(*) as n from repos where not private group by 1, 2, 3
                        union all select type, 'task', pipeline_tag, count(*) from repos where not private and pipeline_tag is not null group by 1, 2, 3
                        union all select type, 'library', library_name, count(*) from repos where not private and library_name is not null group by 1, 2, 3
                        union all select type, 'license', license, count(*) from repos where not private and license is not null group by 1, 2, 3
                        union all select r.type, 'tag', t, count(distinct r.id) from repos r, unnest(r.tags) t where not r.private group by 1, 2, 3)
                    select coalesce(l.type, c.type) as type, coalesce(l.facet, c.facet) as facet, coalesce(l.value, c.value) as value,
                           l.n as live, c.repos as kept
                    from live l full join (select * from repo_facet_counts where repos <> 0) c
                      on c.type = l.type and c.facet = l.facet and c.value = l.value
                    where l.n is distinct from c.repos
                    """, Tuple.class).getResultList();
            return rows;
        });
        assertTrue(differences.isEmpty(), () -> differences.stream()
                .map(t -> t.get("facet") + "=" + t.get("value") + ": live " + t.get("live") + ", kept " + t.get("kept")).toList().toString());
        assertTrue(catalog.facet("modality", RepoType.MODEL).stream().allMatch(f -> f.count() > 0));
    }
}
