package io.modelhub.hf;

import io.modelhub.commits.Commit;
import io.modelhub.commits.RepoFile;
import io.modelhub.storage.blobs.GitOids;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Tree items as /tree and /paths-info return them: {type, oid, size, path, lfs?, lastCommit?}. Never xetHash or
 * securityFileStatus, which would send clients down paths this hub does not offer.
 */
@ApplicationScoped
public class HfTreeItems {
    @Inject
    EntityManager em;

    Map<String, Object> item(RepoTree.Entry e, String commitId, boolean expand) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", e.folder() ? "directory" : "file");
        m.put("oid", e.oid());
        RepoFile f = e.file();
        m.put("size", f == null ? 0 : f.size());
        if (f != null && f.lfs()) {
            Map<String, Object> lfs = new LinkedHashMap<>();
            lfs.put("oid", f.sha256());
            lfs.put("size", f.size());
            lfs.put("pointerSize", GitOids.lfsPointer(f.sha256(), f.size()).length());
            m.put("lfs", lfs);
        }
        m.put("path", e.path());
        if (expand) {
            Commit last = lastCommit(commitId, e.path(), e.folder());
            if (last != null) {
                Map<String, Object> c = new LinkedHashMap<>();
                c.put("id", last.id.trim());
                c.put("title", last.title);
                c.put("date", HfDates.format(last.createdAt));
                m.put("lastCommit", c);
            }
        }
        return m;
    }

    /**
     * The newest commit, walking back from {@code commitId}, that added, changed or removed the file (or anything
     * under the folder): the first one whose parent does not hold the same (path, blob) pairs.
     */
    @Transactional
    Commit lastCommit(String commitId, String path, boolean folder) {
        String match = folder ? "starts_with(%s.path, ?2)" : "%s.path = ?2";
        String prefix = folder && !path.isEmpty() ? path + "/" : path;
        String f = match.replace("%s", "f");
        String p = match.replace("%s", "p");
        List<?> rows = em.createNativeQuery("with recursive h(id, parent_id, depth) as ("
                        + " select id, parent_id, 0 from commits where id = ?1"
                        + " union all select c.id, c.parent_id, h.depth + 1 from commits c join h on c.id = h.parent_id)"
                        + " select h.id from h where"
                        + " exists (select 1 from commit_files f where f.commit_id = h.id and " + f
                        + "   and not exists (select 1 from commit_files p where p.commit_id = h.parent_id"
                        + "   and p.path = f.path and p.blob_sha256 = f.blob_sha256))"
                        + " or exists (select 1 from commit_files p where p.commit_id = h.parent_id and " + p
                        + "   and not exists (select 1 from commit_files f where f.commit_id = h.id and f.path = p.path))"
                        + " order by h.depth limit 1")
                .setParameter(1, commitId).setParameter(2, prefix).getResultList();
        if (rows.isEmpty()) {
            return null;
        }
        return em.find(Commit.class, ((String) rows.get(0)).trim());
    }
}
