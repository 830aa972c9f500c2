package io.modelhub.storage.blobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.modelhub.storage.TestData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GitOidsTest {

    private static final String HELLO_SHA256 = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

    @Test
    void blobSha1MatchesGit() {
        assertEquals("ce013625030ba8dba906f756967f9e9ca394464a",
                GitOids.blobSha1("hello\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391", GitOids.blobSha1(new byte[0]));
    }

    @Test
    void lfsPointerIsByteExact() {
        assertEquals("version https://git-lfs.github.com/spec/v1\n"
                + "oid sha256:" + HELLO_SHA256 + "\n"
                + "size 6\n", GitOids.lfsPointer(HELLO_SHA256, 6));
        // `git hash-object` of that pointer file
        assertEquals("fa61e1ef71c9908c0926776a4aa3504b3a27f159", GitOids.lfsPointerSha1(HELLO_SHA256, 6));
        assertThrows(IllegalArgumentException.class, () -> GitOids.lfsPointer("ABC", 6));
    }

    @Test
    void hashingStreamSeesEveryByte() throws IOException {
        byte[] content = TestData.bytes(4, 0, 10_000);
        try (HashingInputStream in = new HashingInputStream(new ByteArrayInputStream(content), content.length)) {
            in.read();
            in.skip(5000);
            in.readAllBytes();

            assertEquals(10_000, in.count());
            assertEquals(TestData.sha256(new ByteArrayInputStream(content)), in.sha256Hex());
            assertEquals(GitOids.blobSha1(content), in.gitSha1Hex());
            assertEquals(new StoredBlob(in.sha256Hex(), in.gitSha1Hex(), 10_000), in.storedBlob());
        }
    }

    @Test
    void hashingStreamNeedsTheSizeUpFrontForGit() throws IOException {
        try (HashingInputStream unsized = new HashingInputStream(TestData.stream(1, 10))) {
            unsized.readAllBytes();
            assertEquals(TestData.sha256(1, 10), unsized.sha256Hex());
            assertThrows(IllegalStateException.class, unsized::gitSha1Hex);
        }
        try (HashingInputStream shortRead = new HashingInputStream(TestData.stream(1, 10), 11)) {
            shortRead.readAllBytes();
            assertThrows(IllegalStateException.class, shortRead::gitSha1Hex);
            assertThrows(IOException.class, shortRead::storedBlob);
        }
    }

    @Test
    void hexIsLowercase() {
        assertEquals("00ff7f", GitOids.hex(new byte[] {0, (byte) 0xff, 0x7f}));
        InputStream unused = InputStream.nullInputStream();
        assertEquals(0, new HashingInputStream(unused).count());
    }
}
