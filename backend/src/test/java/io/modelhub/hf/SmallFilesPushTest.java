package io.modelhub.hf;

import io.modelhub.commits.CommitService;
import io.modelhub.commits.RepoFile;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.runners.testing.MnistDigits;
import io.modelhub.storage.blobs.GitOids;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.testing.JsClient;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17's acceptance: several thousand small files pushed concurrently to the embedded store through the HF API
 * with no failure. Two real @huggingface/hub {@code uploadFiles} pushes run side by side, each 3,000 MNIST PNGs in one
 * commit with bytes of its own, so the store takes their writes interleaved (on S3Proxy's filesystem backend 10,000
 * such files used to fail every push). The files go inline in the commit (preupload answers "regular" for small files)
 * and are still listed as LFS files, as .gitattributes says for PNGs.
 */
@QuarkusTest
class SmallFilesPushTest {
    @TestHTTPResource("/")
    URL base;
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;

    @Test
    void twoPushesOfThreeThousandSmallFilesSideBySideAllLand() throws Exception {
        // 300 images of each digit: 210 train, 30 validation, 60 test
        Path folder = MnistDigits.writeImageFolder(Files.createTempDirectory("small-files").resolve("digits"), 210, 30, 60);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertEquals(3000, files.size());
        String prefix = "small-files-" + System.currentTimeMillis();
        List<String> salts = List.of("a", "b");
        List<JsClient.Push> pushes = new java.util.ArrayList<>();
        for (String salt : salts) {
            pushes.add(JsClient.startPush(base, HubServicesResource.ADMIN_TOKEN, folder, prefix + "-" + salt, 1, salt));
        }
        for (JsClient.Push push : pushes) {
            String out = push.await(10);
            assertTrue(out.contains("PUSHES 1 OF 1"), out);
        }

        for (String salt : salts) {
            String name = prefix + "-" + salt + "-1";
            Map<String, RepoFile> listed = QuarkusTransaction.requiringNew().call(() -> {
                Repo repo = repos.find(new RepoName(RepoType.DATASET, "admin", name)).orElseThrow();
                return commits.files(commits.resolve(repo, "main")).stream()
                        .collect(Collectors.toMap(RepoFile::path, Function.identity()));
            });
            int checked = 0;
            for (Path f : files) {
                String path = folder.relativize(f).toString().replace('\\', '/');
                byte[] expected = salted(Files.readAllBytes(f), salt);
                RepoFile file = listed.get(path);
                assertTrue(file != null, name + " lacks " + path);
                assertEquals(GitOids.blobSha1(expected), file.gitSha1(), path);
                assertTrue(file.lfs(), path + " is a PNG: an LFS file however it arrived");
                checked++;
            }
            assertEquals(3000, checked);
            // and the bytes read back through the resolve URL are the pushed ones
            Path sample = files.get(files.size() / 2);
            String samplePath = folder.relativize(sample).toString().replace('\\', '/');
            byte[] got = HubApi.asAdmin().get("/datasets/admin/" + name + "/resolve/main/" + samplePath).then().statusCode(200)
                    .extract().asByteArray();
            assertArrayEquals(salted(Files.readAllBytes(sample), salt), got);
        }
    }

    /** What push-folder.mjs sends for one file of the first try with SALT set. */
    private static byte[] salted(byte[] bytes, String salt) {
        byte[] tail = ("\n" + salt).getBytes(StandardCharsets.UTF_8);
        byte[] out = java.util.Arrays.copyOf(bytes, bytes.length + tail.length);
        System.arraycopy(tail, 0, out, bytes.length, tail.length);
        return out;
    }
}
