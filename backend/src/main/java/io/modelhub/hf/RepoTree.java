package io.modelhub.hf;

import io.modelhub.commits.RepoFile;
import io.modelhub.storage.blobs.GitOids;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One commit's files seen as git sees them: folders with git tree ids, files with git blob ids (for LFS files,
 * the id of the pointer file git would hold). The HF clients key their caches by these ids.
 */
final class RepoTree {
    /** A file or folder; {@code file} is null for folders. */
    record Entry(String path, String oid, RepoFile file) {
        boolean folder() {
            return file == null;
        }
    }

    private final Map<String, RepoFile> files = new TreeMap<>();
    /** folder path ("" = root) -> its tree id */
    private final Map<String, String> folders = new HashMap<>();

    RepoTree(List<RepoFile> commitFiles) {
        Map<String, Map<String, Object>> children = new HashMap<>();
        children.put("", new TreeMap<>());
        for (RepoFile f : commitFiles) {
            files.put(f.path(), f);
            String path = f.path();
            int slash = path.lastIndexOf('/');
            String parent = slash < 0 ? "" : path.substring(0, slash);
            children.computeIfAbsent(parent, k -> new TreeMap<>()).put(path.substring(slash + 1), f);
            // register every ancestor folder in its own parent
            while (!parent.isEmpty()) {
                int up = parent.lastIndexOf('/');
                String grand = up < 0 ? "" : parent.substring(0, up);
                children.computeIfAbsent(grand, k -> new TreeMap<>()).put(parent.substring(up + 1), parent);
                parent = grand;
            }
        }
        treeId("", children);
    }

    static String fileOid(RepoFile f) {
        return f.lfs() ? GitOids.lfsPointerSha1(f.sha256(), f.size()) : f.gitSha1();
    }

    /** Git's tree object id: entries sorted as git sorts them (a folder compares as "name/"). */
    private String treeId(String folder, Map<String, Map<String, Object>> children) {
        Map<String, Object> entries = children.getOrDefault(folder, Map.of());
        record TreeLine(byte[] sortKey, String modeAndName, String id) {
        }
        List<TreeLine> sorted = new ArrayList<>();
        for (Map.Entry<String, Object> e : entries.entrySet()) {
            boolean isFolder = e.getValue() instanceof String;
            String id = isFolder ? treeId((String) e.getValue(), children) : fileOid((RepoFile) e.getValue());
            byte[] sortKey = (e.getKey() + (isFolder ? "/" : "")).getBytes(StandardCharsets.UTF_8);
            sorted.add(new TreeLine(sortKey, (isFolder ? "40000 " : "100644 ") + e.getKey(), id));
        }
        sorted.sort((a, b) -> Arrays.compareUnsigned(a.sortKey(), b.sortKey()));
        try {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            for (TreeLine e : sorted) {
                body.writeBytes(e.modeAndName().getBytes(StandardCharsets.UTF_8));
                body.write(0);
                body.writeBytes(java.util.HexFormat.of().parseHex(e.id()));
            }
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(("tree " + body.size() + "\0").getBytes(StandardCharsets.US_ASCII));
            String id = GitOids.hex(sha1.digest(body.toByteArray()));
            folders.put(folder, id);
            return id;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The entry at {@code path} ("" = root folder), or null. */
    Entry entry(String path) {
        String p = trim(path);
        RepoFile f = files.get(p);
        if (f != null) {
            return new Entry(p, fileOid(f), f);
        }
        String id = folders.get(p);
        return id == null ? null : new Entry(p, id, null);
    }

    boolean isFolder(String path) {
        return folders.containsKey(trim(path));
    }

    /** The folder's children, or everything below it when {@code recursive}; sorted by path. */
    List<Entry> list(String folder, boolean recursive) {
        String f = trim(folder);
        String prefix = f.isEmpty() ? "" : f + "/";
        TreeMap<String, Entry> out = new TreeMap<>();
        for (Map.Entry<String, String> d : folders.entrySet()) {
            String p = d.getKey();
            if (!p.isEmpty() && p.startsWith(prefix) && (recursive || p.indexOf('/', prefix.length()) < 0)) {
                out.put(p, new Entry(p, d.getValue(), null));
            }
        }
        for (RepoFile file : files.values()) {
            String p = file.path();
            if (p.startsWith(prefix) && (recursive || p.indexOf('/', prefix.length()) < 0)) {
                out.put(p, new Entry(p, fileOid(file), file));
            }
        }
        return new ArrayList<>(out.values());
    }

    private static String trim(String path) {
        String p = path == null ? "" : path;
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p;
    }
}
