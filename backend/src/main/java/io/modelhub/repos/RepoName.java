package io.modelhub.repos;

import io.modelhub.platform.ApiException;

import java.util.Set;
import java.util.regex.Pattern;

/** A repository's full name, validated: "namespace/name" as the HF clients send it. */
public record RepoName(RepoType type, String namespace, String name) {
    private static final Pattern PART = Pattern.compile("^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$");
    /** Namespaces that would collide with the hub's own paths (HF clients' and the UI's). */
    public static final Set<String> RESERVED = Set.of("api", "models", "datasets", "spaces", "kernels", "buckets",
            "login", "logout", "new", "settings", "jobs", "runners", "leaderboards", "docs", "health",
            "q", "vaadin", "static", "resolve", "tokens", "openapi", "swagger-ui");

    public RepoName {
        check("namespace", namespace);
        check("name", name);
        if (RESERVED.contains(namespace.toLowerCase())) {
            throw ApiException.badRequest("'" + namespace + "' is a reserved namespace");
        }
    }

    public static RepoName parse(RepoType type, String id) {
        if (id == null || id.chars().filter(c -> c == '/').count() != 1) {
            throw ApiException.badRequest("Repository id must look like namespace/name, got '" + id + "'");
        }
        int slash = id.indexOf('/');
        return new RepoName(type, id.substring(0, slash), id.substring(slash + 1));
    }

    private static void check(String what, String value) {
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest("Repository " + what + " is empty");
        }
        if (!PART.matcher(value).matches() || value.contains("--") || value.contains("..") || value.endsWith(".git")) {
            throw ApiException.badRequest("Invalid repository " + what + " '" + value + "': use letters, digits, "
                    + "'-', '_' and '.', start and end with a letter or digit, no '--' or '..', at most 96 characters");
        }
    }

    public String id() {
        return namespace + "/" + name;
    }

    @Override
    public String toString() {
        return type.webPrefix() + id();
    }
}
