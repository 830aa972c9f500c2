package io.modelhub.hf;

import io.modelhub.commits.CommitService;
import io.modelhub.platform.ApiException;
import io.modelhub.repos.Repo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.UriInfo;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Splits "{revision}/{path}" as the HF clients send it. Python percent-encodes slashes inside a revision
 * ({@code refs%2Fpr%2F1}) and inside tree paths; the JS client sends both raw ({@code tree/feature/x/sub/dir}).
 * The raw request path is read, so an encoded slash stays inside its segment whatever the HTTP layer decodes,
 * and a raw-slash revision is found by the longest prefix that names an existing branch or tag.
 */
@ApplicationScoped
public class HfRevisions {
    @Inject
    CommitService commits;

    /** A revision, the commit it resolves to, and the path after it ("" when none). */
    public record Split(String revision, String commitId, String path) {
    }

    /**
     * The decoded segments after {@code marker} in the raw request path, e.g. marker "/acme/bert/tree/". An
     * encoded slash ({@code %2F}) stays inside its segment.
     */
    public static List<String> segmentsAfter(UriInfo uri, String marker) {
        String raw = uri.getRequestUri().getRawPath();
        int at = raw.indexOf(marker);
        if (at < 0) {
            // The HTTP layer handed over a path in another form (decoded): fall back to the matched path.
            raw = "/" + uri.getPath();
            at = raw.indexOf(marker);
            if (at < 0) {
                throw ApiException.badRequest("Malformed path");
            }
        }
        String rest = raw.substring(at + marker.length());
        List<String> segments = new ArrayList<>();
        for (String s : rest.split("/", -1)) {
            if (!s.isEmpty()) {
                segments.add(decode(s));
            }
        }
        return segments;
    }

    /** Percent-decoding of a path segment: unlike form decoding, '+' stays '+'. */
    public static String decode(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /**
     * Resolves the revision at the start of {@code segments}; the rest is the path. With {@code pathRequired},
     * at least one segment is left for the path.
     */
    public Split split(Repo repo, List<String> segments, boolean pathRequired) {
        if (segments.isEmpty()) {
            throw ApiException.revisionNotFound("");
        }
        int max = pathRequired ? segments.size() - 1 : segments.size();
        if (segments.size() > 1 && max >= 2) {
            Set<String> names = refNames(repo);
            for (int k = max; k >= 2; k--) {
                String candidate = String.join("/", segments.subList(0, k));
                if (names.contains(candidate)) {
                    return split(repo, candidate, segments.subList(k, segments.size()));
                }
            }
            if (segments.get(0).equals("refs") && max >= 3) {
                // refs/pr/N and friends: report the whole name as the missing revision
                return split(repo, String.join("/", segments.subList(0, 3)), segments.subList(3, segments.size()));
            }
        }
        return split(repo, segments.get(0), segments.subList(1, segments.size()));
    }

    private Split split(Repo repo, String revision, List<String> rest) {
        return new Split(revision, commits.resolve(repo, revision), String.join("/", rest));
    }

    private Set<String> refNames(Repo repo) {
        Set<String> names = new HashSet<>();
        for (CommitService.Ref ref : commits.refs(repo)) {
            names.add(ref.name());
            names.add((ref.kind().equals("tag") ? "refs/tags/" : "refs/heads/") + ref.name());
        }
        return names;
    }

    /** Booleans as the clients write them: true/false, True/False (huggingface_hub 0.x), 1/0. */
    public static boolean bool(String value) {
        return value != null && (value.equalsIgnoreCase("true") || value.equals("1"));
    }
}
