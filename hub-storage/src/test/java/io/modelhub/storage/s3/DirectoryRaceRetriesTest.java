package io.modelhub.storage.s3;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

class DirectoryRaceRetriesTest {

    @Test
    void onlyAVanishedDirectoryIsWorthAnotherTry() {
        assertTrue(DirectoryRaceRetries.lostDirectory(
                new RuntimeException(new UncheckedIOException(new NoSuchFileException("/data/models/staging/x")))));
        assertFalse(DirectoryRaceRetries.lostDirectory(new RuntimeException(new AccessDeniedException("/data"))));
        assertFalse(DirectoryRaceRetries.lostDirectory(new IllegalStateException("no space left")));
    }
}
