package io.modelhub.testing;

import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hub's HTTP API as tests use it: a repository builder that creates a repo and commits files through the
 * same endpoints the Hugging Face clients call.
 */
public final class HubApi {
    private HubApi() {
    }

    public static RequestSpecification asAdmin() {
        return RestAssured.given().header("Authorization", "Bearer " + HubServicesResource.ADMIN_TOKEN);
    }

    public static RequestSpecification as(String token) {
        return RestAssured.given().header("Authorization", "Bearer " + token);
    }

    public static RepoBuilder model(String name) {
        return new RepoBuilder("model", name);
    }

    public static RepoBuilder dataset(String name) {
        return new RepoBuilder("dataset", name);
    }

    public static String readme(String frontMatter, String body) {
        return "---\n" + frontMatter + "\n---\n" + body + "\n";
    }

    public static final class RepoBuilder {
        private final String type;
        private final String name;
        private boolean privateRepo;
        private String token = HubServicesResource.ADMIN_TOKEN;
        private final Map<String, byte[]> files = new LinkedHashMap<>();

        RepoBuilder(String type, String name) {
            this.type = type;
            this.name = name;
        }

        public RepoBuilder privateRepo() {
            privateRepo = true;
            return this;
        }

        public RepoBuilder token(String token) {
            this.token = token;
            return this;
        }

        public RepoBuilder file(String path, String text) {
            return file(path, text.getBytes(StandardCharsets.UTF_8));
        }

        public RepoBuilder file(String path, byte[] bytes) {
            files.put(path, bytes);
            return this;
        }

        /** Creates the repo (as admin) and commits the files; returns the commit id (or the initial one). */
        public String create() {
            as(token).contentType("application/json")
                    .body(Map.of("name", name, "type", type, "visibility", privateRepo ? "private" : "public"))
                    .post("/api/repos/create").then().statusCode(200);
            if (files.isEmpty()) {
                return as(token).get("/api/" + type + "s/admin/" + name).then().statusCode(200).extract().path("sha");
            }
            return commit(files, "Add files").then().statusCode(200).extract().path("commitOid");
        }

        public Response commit(Map<String, byte[]> changes, String summary) {
            List<String> lines = new ArrayList<>();
            lines.add("{\"key\":\"header\",\"value\":{\"summary\":\"" + summary + "\",\"description\":\"\"}}");
            changes.forEach((path, bytes) -> lines.add("{\"key\":\"file\",\"value\":{\"path\":\"" + path
                    + "\",\"encoding\":\"base64\",\"content\":\"" + Base64.getEncoder().encodeToString(bytes) + "\"}}"));
            return ndjson(lines);
        }

        public Response ndjson(List<String> lines) {
            return as(token).contentType("application/x-ndjson").body((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8))
                    .post("/api/" + type + "s/admin/" + name + "/commit/main");
        }
    }
}
