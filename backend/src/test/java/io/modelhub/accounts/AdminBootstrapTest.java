package io.modelhub.accounts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 16 part 5: the first start's secrets go to the console and to a file only the hub's user can read. */
class AdminBootstrapTest {
    @Test
    void theCredentialsFileIsReadableByItsOwnerOnly(@TempDir Path data) throws Exception {
        Path file = data.resolve("nested").resolve(AdminBootstrap.CREDENTIALS_FILE);
        AdminBootstrap.writeCredentials(file, "admin", "pw123", "hf_token");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("user=admin\npassword=pw123\ntoken=hf_token\n", Files.readString(file));
        // a second first start (data folder reset) replaces it, still private
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        AdminBootstrap.writeCredentials(file, "admin", "pw456", "hf_other");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(Files.readString(file).contains("pw456"));
    }

    @Test
    void theBannerNamesTheFile() {
        String banner = AdminBootstrap.banner("admin", "pw", "hf_x", " Also kept in /data/admin-credentials.txt\n");
        assertTrue(banner.contains("password: pw") && banner.contains("token:    hf_x"), banner);
        assertTrue(banner.contains("/data/admin-credentials.txt"), banner);
    }
}
