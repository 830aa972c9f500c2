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

    /** A new runner credential issued by the admin through the API (its only copy). */
    public static String issueRunnerCredential(String name) {
        return asAdmin().contentType("application/json").body(Map.of("name", name)).post("/api/runner-credentials")
                .then().statusCode(201).extract().jsonPath().getString("credential");
    }

    /** The running hub's base URL as clients are told it (no trailing slash). */
    public static String baseUrl() {
        return RestAssured.baseURI + ":" + RestAssured.port;
    }

    /** With {@code null}: no Authorization header at all, as the clients send without a token. */
    public static RequestSpecification as(String token) {
        return token == null ? RestAssured.given() : RestAssured.given().header("Authorization", "Bearer " + token);
    }

    public static RepoBuilder model(String name) {
        return new RepoBuilder("model", name);
    }

    public static RepoBuilder dataset(String name) {
        return new RepoBuilder("dataset", name);
    }

    /** A commit through the NDJSON endpoint; LFS files are uploaded through the batch API first. */
    public static CommitBuilder commitTo(String type, String repoId) {
        return new CommitBuilder(type, repoId);
    }

    public static String readme(String frontMatter, String body) {
        return "---\n" + frontMatter + "\n---\n" + body + "\n";
    }

    public static final class RepoBuilder {
        /** huggingface_hub's own cut: files of 10 MB or more are uploaded as LFS objects. */
        public static final long LFS_THRESHOLD = 10L * 1024 * 1024;
        private final String type;
        private final String name;
        private boolean privateRepo;
        private String token = HubServicesResource.ADMIN_TOKEN;
        private String namespace = "admin";
        private final Map<String, byte[]> files = new LinkedHashMap<>();
        private final Map<String, byte[]> lfsFiles = new LinkedHashMap<>();

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

        /** Another user's repository: created with that user's write token, in that user's namespace. */
        public RepoBuilder owner(String username, String writeToken) {
            this.namespace = username;
            return token(writeToken);
        }

        public RepoBuilder file(String path, String text) {
            return file(path, text.getBytes(StandardCharsets.UTF_8));
        }

        public RepoBuilder file(String path, byte[] bytes) {
            files.put(path, bytes);
            return this;
        }

        /**
         * Every file below {@code dir}, by its path relative to it (a dataset a test builder wrote, a converted model).
         * Files of {@link #LFS_THRESHOLD} bytes or more go through the LFS batch API, as huggingface_hub sends them: a
         * real model's weights would not fit in one NDJSON commit body.
         */
        public RepoBuilder folder(java.nio.file.Path dir) {
            try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(dir)) {
                for (java.nio.file.Path f : paths.filter(java.nio.file.Files::isRegularFile).sorted().toList()) {
                    String path = dir.relativize(f).toString().replace('\\', '/');
                    if (java.nio.file.Files.size(f) >= LFS_THRESHOLD) {
                        lfsFile(path, java.nio.file.Files.readAllBytes(f));
                    } else {
                        file(path, java.nio.file.Files.readAllBytes(f));
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return this;
        }

        /** A file uploaded through the LFS batch API and committed as an lfsFile operation. */
        public RepoBuilder lfsFile(String path, byte[] bytes) {
            lfsFiles.put(path, bytes);
            return this;
        }

        /** Creates the repo (as admin) and commits the files; returns the commit id (or the initial one). */
        public String create() {
            as(token).contentType("application/json")
                    .body(Map.of("name", name, "type", type, "visibility", privateRepo ? "private" : "public"))
                    .post("/api/repos/create").then().log().ifValidationFails().statusCode(200);
            if (files.isEmpty() && lfsFiles.isEmpty()) {
                return as(token).get("/api/" + type + "s/" + namespace + "/" + name).then().log().ifValidationFails().statusCode(200).extract().path("sha");
            }
            if (lfsFiles.isEmpty()) {
                return commit(files, "Add files").then().log().ifValidationFails().statusCode(200).extract().path("commitOid");
            }
            CommitBuilder c = commitTo(type, namespace + "/" + name).token(token);
            files.forEach(c::file);
            lfsFiles.forEach(c::lfsFile);
            return c.post().then().log().ifValidationFails().statusCode(200).extract().path("commitOid");
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
                    .post("/api/" + type + "s/" + namespace + "/" + name + "/commit/main");
        }
    }

    public static final class CommitBuilder {
        private final String type;
        private final String repoId;
        private String token = HubServicesResource.ADMIN_TOKEN;
        private String summary = "Update files";
        private String parent;
        private String revision = "main";
        private final List<String> lines = new ArrayList<>();

        CommitBuilder(String type, String repoId) {
            this.type = type;
            this.repoId = repoId;
        }

        public CommitBuilder token(String token) {
            this.token = token;
            return this;
        }

        public CommitBuilder summary(String summary) {
            this.summary = summary;
            return this;
        }

        public CommitBuilder parent(String parentCommit) {
            this.parent = parentCommit;
            return this;
        }

        /** As it goes in the URL (already encoded where needed). */
        public CommitBuilder revision(String revision) {
            this.revision = revision;
            return this;
        }

        public CommitBuilder file(String path, String text) {
            return file(path, text.getBytes(StandardCharsets.UTF_8));
        }

        public CommitBuilder file(String path, byte[] bytes) {
            return line("file", "{\"content\":\"" + Base64.getEncoder().encodeToString(bytes) + "\",\"path\":\"" + path
                    + "\",\"encoding\":\"base64\"}");
        }

        /** Uploads through the LFS batch API, then adds the lfsFile operation. */
        public CommitBuilder lfsFile(String path, byte[] bytes) {
            String oid = LfsClient.forRepo(("dataset".equals(type) ? "datasets/" : "") + repoId).token(token).upload(bytes);
            return lfsPointer(path, oid, bytes.length);
        }

        /** An lfsFile operation without uploading anything. */
        public CommitBuilder lfsPointer(String path, String oid, long size) {
            return line("lfsFile", "{\"path\":\"" + path + "\",\"algo\":\"sha256\",\"oid\":\"" + oid + "\",\"size\":" + size + "}");
        }

        public CommitBuilder delete(String path) {
            return line("deletedFile", "{\"path\":\"" + path + "\"}");
        }

        public CommitBuilder deleteFolder(String path) {
            return line("deletedFolder", "{\"path\":\"" + path + "\"}");
        }

        public CommitBuilder line(String key, String value) {
            lines.add("{\"key\":\"" + key + "\",\"value\":" + value + "}");
            return this;
        }

        public Response post() {
            List<String> all = new ArrayList<>();
            all.add("{\"key\":\"header\",\"value\":{\"summary\":\"" + summary + "\",\"description\":\"\""
                    + (parent == null ? "" : ",\"parentCommit\":\"" + parent + "\"") + "}}");
            all.addAll(lines);
            return as(token).urlEncodingEnabled(false).contentType("application/x-ndjson")
                    .body((String.join("\n", all) + "\n").getBytes(StandardCharsets.UTF_8))
                    .post("/api/" + type + "s/" + repoId + "/commit/" + revision);
        }
    }
}
