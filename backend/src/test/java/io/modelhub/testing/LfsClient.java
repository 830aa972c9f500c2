package io.modelhub.testing;

import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The LFS upload protocol as huggingface_hub and @huggingface/hub drive it: batch call with the token, then PUTs
 * (single or per part) and the completion call without any token, as the clients send them.
 */
public final class LfsClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    private final String repoPath;
    private String token = HubServicesResource.ADMIN_TOKEN;
    private List<String> transfers = List.of("basic", "multipart");

    private LfsClient(String repoPath) {
        this.repoPath = repoPath;
    }

    /** For "admin/name" (models) or "datasets/admin/name". */
    public static LfsClient forRepo(String repoPath) {
        return new LfsClient(repoPath);
    }

    public LfsClient token(String token) {
        this.token = token;
        return this;
    }

    public LfsClient transfers(String... transfers) {
        this.transfers = List.of(transfers);
        return this;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The raw batch call for one object. */
    public Response batch(String oid, long size) {
        var request = token == null ? RestAssured.given() : HubApi.as(token);
        return request.header("Accept", "application/vnd.git-lfs+json")
                .contentType("application/vnd.git-lfs+json")
                .body(Map.of("operation", "upload", "transfers", transfers, "hash_algo", "sha_256",
                        "ref", Map.of("name", "main"), "objects", List.of(Map.of("oid", oid, "size", size))))
                .post("/" + repoPath + ".git/info/lfs/objects/batch");
    }

    /** Batch, then whatever upload the answer asks for; returns the sha256. Fails on any non-2xx. */
    public String upload(byte[] bytes) {
        String oid = sha256(bytes);
        JsonPath batch = batch(oid, bytes.length).then().log().ifValidationFails().statusCode(200).extract().jsonPath();
        Map<String, Object> object = batch.getMap("objects[0]");
        if (object.containsKey("error")) {
            throw new AssertionError("batch refused the object: " + object.get("error"));
        }
        send(object, bytes, bytes);
        return oid;
    }

    /**
     * Carries out a batch answer's actions for {@code bytes}; {@code announced} is what the batch was told
     * (differs from {@code bytes} when a test sends other content than it announced). Returns the last status.
     */
    @SuppressWarnings("unchecked")
    public static int send(Map<String, Object> object, byte[] announced, byte[] bytes) {
        Map<String, Object> actions = (Map<String, Object>) object.get("actions");
        if (actions == null) {
            return 200;
        }
        Map<String, Object> upload = (Map<String, Object>) actions.get("upload");
        Map<String, String> header = (Map<String, String>) upload.get("header");
        String href = (String) upload.get("href");
        if (header != null && header.containsKey("chunk_size")) {
            int chunk = Integer.parseInt(header.get("chunk_size"));
            TreeMap<Integer, String> parts = new TreeMap<>();
            header.forEach((k, v) -> {
                if (k.matches("^[0-9]+$")) {
                    parts.put(Integer.parseInt(k), v);
                }
            });
            if (parts.size() != (announced.length + chunk - 1) / chunk) {
                throw new AssertionError("wrong number of parts: " + parts.size());
            }
            List<String> etags = new ArrayList<>();
            for (var part : parts.entrySet()) {
                int from = (part.getKey() - 1) * chunk;
                byte[] slice = Arrays.copyOfRange(bytes, Math.min(from, bytes.length), Math.min(from + chunk, bytes.length));
                HttpResponse<String> r = put(part.getValue(), slice);
                if (r.statusCode() / 100 != 2) {
                    return r.statusCode();
                }
                String etag = r.headers().firstValue("ETag").orElseThrow(() -> new AssertionError("part without ETag"));
                etags.add("{\"partNumber\":" + part.getKey() + ",\"etag\":" + quote(etag) + "}");
            }
            String completion = "{\"oid\":\"" + object.get("oid") + "\",\"parts\":[" + String.join(",", etags) + "]}";
            return post(href, completion).statusCode();
        }
        HttpResponse<String> r = put(href, bytes);
        if (r.statusCode() / 100 != 2) {
            return r.statusCode();
        }
        Map<String, Object> verify = (Map<String, Object>) actions.get("verify");
        if (verify != null) {
            return post((String) verify.get("href"), "{\"oid\":\"" + object.get("oid") + "\",\"size\":" + announced.length + "}").statusCode();
        }
        return r.statusCode();
    }

    public static HttpResponse<String> put(String url, byte[] body) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static HttpResponse<String> post(String url, String json) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/vnd.git-lfs+json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
