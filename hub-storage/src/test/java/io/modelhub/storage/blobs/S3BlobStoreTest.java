package io.modelhub.storage.blobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.storage.Http;
import io.modelhub.storage.S3Fixture;
import io.modelhub.storage.TestData;
import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class S3BlobStoreTest {

    private static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.UTF_8);
    private static final String HELLO_SHA256 = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
    private static final String HELLO_GIT_SHA1 = "ce013625030ba8dba906f756967f9e9ca394464a";
    private static final long MIB = 1L << 20;
    private static final Duration TTL = Duration.ofMinutes(5);

    private String bucket;
    private S3BlobStore store;

    @BeforeEach
    void openStore() {
        bucket = S3Fixture.newBucketName();
        store = S3Fixture.store(bucket);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void putHashesAndStoresContentOnce() throws IOException {
        StoredBlob first = store.put(new ByteArrayInputStream(HELLO), HELLO.length);
        StoredBlob second = store.put(new ByteArrayInputStream(HELLO), HELLO.length);

        assertEquals(new StoredBlob(HELLO_SHA256, HELLO_GIT_SHA1, 6), first);
        assertEquals(first, second);
        assertEquals(List.of("blobs/58/" + HELLO_SHA256), S3Fixture.keys(bucket));
        assertTrue(store.exists(HELLO_SHA256));
        assertEquals(6, store.size(HELLO_SHA256));
    }

    @Test
    void putDigestsMatchTheJdkAndGit() throws IOException {
        byte[] content = TestData.bytes(7, 0, 100_000);

        StoredBlob blob = store.put(new ByteArrayInputStream(content), content.length);

        assertEquals(TestData.sha256(new ByteArrayInputStream(content)), blob.sha256());
        assertEquals(GitOids.blobSha1(content), blob.gitSha1());
        assertEquals(content.length, blob.size());
    }

    @Test
    void putWithUnknownSizeSpoolsFirst() throws IOException {
        StoredBlob blob = store.put(TestData.stream(3, 1_000_003), -1);

        assertEquals(TestData.sha256(3, 1_000_003), blob.sha256());
        assertEquals(1_000_003, blob.size());
        assertEquals(List.of(S3BlobStore.blobKey(blob.sha256())), S3Fixture.keys(bucket));
    }

    @Test
    void putOfAnEmptyStream() throws IOException {
        StoredBlob blob = store.put(InputStream.nullInputStream(), 0);

        assertEquals("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", blob.gitSha1());
        try (InputStream in = store.open(blob.sha256(), 0, -1)) {
            assertEquals(0, in.readAllBytes().length);
        }
    }

    @Test
    void putShorterThanDeclaredFailsAndLeavesNothing() {
        assertThrows(IOException.class, () -> store.put(TestData.stream(1, 100), 200));
        // big enough that the first part is already uploaded when the stream runs dry
        assertThrows(IOException.class, () -> store.put(TestData.stream(1, 20 * MIB), 40 * MIB));

        assertEquals(List.of(), S3Fixture.keys(bucket));
        assertEquals(0, store.deleteStaleStaging(Duration.ZERO), "no multipart upload left open");
    }

    @Test
    void putLongerThanDeclaredFailsAndLeavesNothing() {
        IOException e = assertThrows(IOException.class, () -> store.put(TestData.stream(1, 300), 200));

        assertTrue(e.getMessage().contains("200"), e.getMessage());
        assertEquals(List.of(), S3Fixture.keys(bucket));
    }

    @Test
    void largeStreamGoesMultipartAndRoundTrips() throws IOException {
        long size = 40 * MIB + 5;
        assertTrue(size > 2 * S3BlobStore.PART_SIZE, "spans three parts");

        StoredBlob blob = store.put(TestData.stream(11, size), size);

        String expected = TestData.sha256(11, size);
        assertEquals(expected, blob.sha256());
        assertEquals(size, store.size(expected));
        assertEquals(expected, TestData.sha256(store.open(expected, 0, -1)));
        long acrossPartBoundary = S3BlobStore.PART_SIZE - 100;
        try (InputStream in = store.open(expected, acrossPartBoundary, 300)) {
            assertArrayEquals(TestData.bytes(11, acrossPartBoundary, 300), in.readAllBytes());
        }
    }

    @Test
    void rangedReads() throws IOException {
        byte[] content = TestData.bytes(5, 0, 1000);
        String sha256 = store.put(new ByteArrayInputStream(content), content.length).sha256();

        try (InputStream in = store.open(sha256, 10, 20)) {
            assertArrayEquals(TestData.bytes(5, 10, 20), in.readAllBytes());
        }
        try (InputStream in = store.open(sha256, 990, -1)) {
            assertArrayEquals(TestData.bytes(5, 990, 10), in.readAllBytes());
        }
        try (InputStream in = store.open(sha256, 500, 0)) {
            assertEquals(0, in.readAllBytes().length);
        }
        String missing = "0".repeat(64);
        assertThrows(BlobNotFoundException.class, () -> store.open(missing, 0, -1));
        assertThrows(BlobNotFoundException.class, () -> store.size(missing));
        assertThrows(IllegalArgumentException.class, () -> store.open("../../etc/passwd", 0, -1));
    }

    @Test
    void presignedGetServesRanges() throws IOException {
        byte[] content = TestData.bytes(6, 0, 4096);
        String sha256 = store.put(new ByteArrayInputStream(content), content.length).sha256();
        String url = store.presignedGetUrl(sha256, TTL);

        assertTrue(url.startsWith(S3Fixture.server().endpoint() + "/"), url);
        HttpResponse<byte[]> ranged = Http.get(url, "bytes=100-199");
        assertEquals(206, ranged.statusCode());
        assertEquals("bytes 100-199/4096", ranged.headers().firstValue("Content-Range").orElse(null));
        assertArrayEquals(TestData.bytes(6, 100, 100), ranged.body());
        HttpResponse<byte[]> whole = Http.get(url, null);
        assertEquals(200, whole.statusCode());
        assertArrayEquals(content, whole.body());
    }

    @Test
    void deleteRemovesTheBlob() throws IOException {
        store.put(new ByteArrayInputStream(HELLO), HELLO.length);

        store.delete(HELLO_SHA256);

        assertFalse(store.exists(HELLO_SHA256));
        assertThrows(BlobNotFoundException.class, () -> store.size(HELLO_SHA256));
        store.delete(HELLO_SHA256);
        assertEquals(List.of(), S3Fixture.keys(bucket));
    }

    @Test
    void forEachBlobListsEveryBlobButNoStaging() throws IOException {
        Map<String, Long> expected = new TreeMap<>();
        for (int seed = 1; seed <= 3; seed++) {
            StoredBlob blob = store.put(TestData.stream(seed, 100L * seed), 100L * seed);
            expected.put(blob.sha256(), blob.size());
        }
        String staging = store.newStagingKey();
        Http.put(store.presignedPutUrl(staging, TTL), 10, () -> TestData.stream(9, 10));

        Map<String, Long> listed = new TreeMap<>();
        List<BlobListing> listings = new ArrayList<>();
        store.forEachBlob(listings::add);
        listings.forEach(l -> listed.put(l.sha256(), l.size()));

        assertEquals(expected, listed);
        listings.forEach(l -> assertNotNull(l.lastModified()));
    }

    @Test
    void deleteStaleStagingRemovesOnlyOldStagedUploads() throws IOException {
        StoredBlob blob = store.put(new ByteArrayInputStream(HELLO), HELLO.length);
        String staged = store.newStagingKey();
        assertEquals(200, Http.put(store.presignedPutUrl(staged, TTL), 10, () -> TestData.stream(9, 10)).statusCode());
        store.startMultipart(store.newStagingKey());

        assertEquals(0, store.deleteStaleStaging(Duration.ofHours(1)));
        assertEquals(2, store.deleteStaleStaging(Duration.ZERO));

        assertEquals(List.of(S3BlobStore.blobKey(blob.sha256())), S3Fixture.keys(bucket));
        assertEquals(0, store.deleteStaleStaging(Duration.ZERO));
    }

    @Test
    void presignedPutThenAdopt() throws IOException {
        String staging = store.newStagingKey();
        HttpResponse<String> response = Http.put(store.presignedPutUrl(staging, TTL), 50_000,
                () -> TestData.stream(21, 50_000));
        assertEquals(200, response.statusCode(), response.body());

        StoredBlob blob = store.adoptStaged(staging, TestData.sha256(21, 50_000), 50_000);

        assertEquals(GitOids.blobSha1(TestData.bytes(21, 0, 50_000)), blob.gitSha1());
        assertTrue(store.exists(blob.sha256()));
        assertEquals(List.of(S3BlobStore.blobKey(blob.sha256())), S3Fixture.keys(bucket));
        // the same content again is dropped in favour of the stored blob
        String again = store.newStagingKey();
        Http.put(store.presignedPutUrl(again, TTL), 50_000, () -> TestData.stream(21, 50_000));
        assertEquals(blob, store.adoptStaged(again, blob.sha256(), 50_000));
        assertEquals(List.of(S3BlobStore.blobKey(blob.sha256())), S3Fixture.keys(bucket));
    }

    @Test
    void adoptRejectsWrongHashAndDiscardsTheUpload() {
        String staging = store.newStagingKey();
        Http.put(store.presignedPutUrl(staging, TTL), 1000, () -> TestData.stream(22, 1000));
        String claimed = TestData.sha256(23, 1000);

        BlobIntegrityException e = assertThrows(BlobIntegrityException.class,
                () -> store.adoptStaged(staging, claimed, 1000));

        assertEquals(claimed, e.expected());
        assertEquals(TestData.sha256(22, 1000), e.actual());
        assertTrue(e.getMessage().contains("expected sha256 " + claimed + " but got " + e.actual()),
                e.getMessage());
        assertFalse(store.exists(claimed));
        assertEquals(List.of(), S3Fixture.keys(bucket));
    }

    @Test
    void adoptRejectsWrongSize() {
        String staging = store.newStagingKey();
        Http.put(store.presignedPutUrl(staging, TTL), 1000, () -> TestData.stream(22, 1000));

        BlobIntegrityException e = assertThrows(BlobIntegrityException.class,
                () -> store.adoptStaged(staging, TestData.sha256(22, 1000), 999));

        assertEquals("999", e.expected());
        assertEquals("1000", e.actual());
        assertEquals(List.of(), S3Fixture.keys(bucket));
    }

    @Test
    void adoptWithoutUpload() {
        String staging = store.newStagingKey();

        assertThrows(FileNotFoundException.class, () -> store.adoptStaged(staging, HELLO_SHA256, 6));
    }

    @Test
    void multipartUploadThroughPresignedPartUrls() throws IOException {
        long[] partSizes = {5 * MIB, 5 * MIB, 1 * MIB + 17};
        long total = 11 * MIB + 17;
        String staging = store.newStagingKey();
        String uploadId = store.startMultipart(staging);

        List<CompletedPart> parts = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < partSizes.length; i++) {
            long from = offset;
            long length = partSizes[i];
            HttpResponse<String> response = Http.put(store.presignedPartUrl(staging, uploadId, i + 1, TTL), length,
                    () -> TestData.stream(31, from, length));
            assertEquals(200, response.statusCode(), response.body());
            parts.add(new CompletedPart(i + 1, response.headers().firstValue("ETag").orElseThrow()));
            offset += length;
        }
        Collections.reverse(parts); // the store sorts them, as S3 insists on ascending order
        store.completeMultipart(staging, uploadId, parts);

        StoredBlob blob = store.adoptStaged(staging, TestData.sha256(31, total), total);

        assertEquals(total, store.size(blob.sha256()));
        assertEquals(blob.sha256(), TestData.sha256(store.open(blob.sha256(), 0, -1)));
        assertEquals(List.of(S3BlobStore.blobKey(blob.sha256())), S3Fixture.keys(bucket));
    }

    @Test
    void partsStreamedByTheCallerGoStraightToTheContentAddress() throws IOException {
        long total = 5 * MIB + 1000;
        String sha256 = TestData.sha256(41, total);
        String key = store.blobUploadKey(sha256);
        String uploadId = store.startMultipart(key);

        String first = store.putPart(key, uploadId, 1, TestData.stream(41, 0, 5 * MIB), 5 * MIB);
        // a part sent again replaces the first attempt
        store.putPart(key, uploadId, 2, TestData.stream(99, 0, 1000), 1000);
        String second = store.putPart(key, uploadId, 2, TestData.stream(41, 5 * MIB, 1000), 1000);
        assertEquals(List.of(), S3Fixture.keys(bucket), "nothing is visible before the completion");
        store.completeMultipart(key, uploadId, List.of(new CompletedPart(1, first), new CompletedPart(2, second)));

        assertEquals(List.of(S3BlobStore.blobKey(sha256)), S3Fixture.keys(bucket));
        assertEquals(sha256, TestData.sha256(store.open(sha256, 0, -1)));
        StoredBlob checked = store.adoptStaged(key, sha256, total);
        assertEquals(sha256, checked.sha256());
        assertEquals(total, checked.size());
        assertEquals(List.of(S3BlobStore.blobKey(sha256)), S3Fixture.keys(bucket), "checked in place, not copied");
    }

    @Test
    void aShortPartIsNotStoredAndAWrongInPlaceUploadIsRemoved() throws IOException {
        String claimed = TestData.sha256(42, 1000);
        String key = store.blobUploadKey(claimed);
        String uploadId = store.startMultipart(key);

        assertThrows(IOException.class, () -> store.putPart(key, uploadId, 1, TestData.stream(42, 0, 600), 1000));
        String etag = store.putPart(key, uploadId, 1, TestData.stream(43, 0, 1000), 1000);
        store.completeMultipart(key, uploadId, List.of(new CompletedPart(1, etag)));

        assertThrows(BlobIntegrityException.class, () -> store.adoptStaged(key, claimed, 1000));
        assertFalse(store.exists(claimed));
        assertThrows(IllegalArgumentException.class, () -> store.presignedPartUrl(key, uploadId, 1, TTL));
    }

    @Test
    void presignedUrlsAreSignedForThePublicAddress() {
        try (S3BlobStore remote = new S3BlobStore(new BlobStoreConfig(S3Fixture.server().endpoint(), S3Fixture.ACCESS_KEY,
                S3Fixture.SECRET_KEY, bucket, null, "https://store.example.org:9443"))) {
            assertTrue(remote.presignedGetUrl(HELLO_SHA256, TTL).startsWith("https://store.example.org:9443/" + bucket
                    + "/blobs/58/" + HELLO_SHA256 + "?"));
            assertTrue(store.presignedGetUrl(HELLO_SHA256, TTL).startsWith(S3Fixture.server().endpoint()));
        }
    }

    @Test
    void abortedMultipartLeavesNothing() {
        String staging = store.newStagingKey();
        String uploadId = store.startMultipart(staging);
        Http.put(store.presignedPartUrl(staging, uploadId, 1, TTL), 1000, () -> TestData.stream(1, 1000));

        store.abortMultipart(staging, uploadId);
        store.abortMultipart(staging, uploadId);

        assertEquals(List.of(), S3Fixture.keys(bucket));
        assertEquals(0, store.deleteStaleStaging(Duration.ZERO));
    }

    @Test
    void stagingMethodsRefuseKeysOutsideStaging() {
        String blobKey = S3BlobStore.blobKey(HELLO_SHA256);

        assertThrows(IllegalArgumentException.class, () -> store.presignedPutUrl(blobKey, TTL));
        assertThrows(IllegalArgumentException.class, () -> store.startMultipart("staging/../" + blobKey));
        assertThrows(IllegalArgumentException.class, () -> store.adoptStaged("staging/../" + blobKey, HELLO_SHA256, 6));
        // another blob's key is neither a staging key nor the upload key of the announced blob
        assertThrows(IllegalArgumentException.class,
                () -> store.adoptStaged(store.blobUploadKey(TestData.sha256(1, 10)), HELLO_SHA256, 6));
        assertThrows(IllegalArgumentException.class, () -> store.startMultipart("blobs/00/" + HELLO_SHA256));
        assertThrows(IllegalArgumentException.class, () -> store.presignedGetUrl(HELLO_SHA256, Duration.ofDays(8)));
    }
}
