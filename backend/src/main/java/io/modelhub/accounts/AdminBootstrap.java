package io.modelhub.accounts;

import io.modelhub.platform.ClusterLocks;
import io.modelhub.platform.ModelHubConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The first start creates the admin account. Its password and token come from MODELHUB_ADMIN_PASSWORD and
 * MODELHUB_ADMIN_TOKEN when set; otherwise they are generated, printed this one time to the console (not the log)
 * and kept in {@value #CREDENTIALS_FILE} in the data folder, readable by the hub's user only.
 */
@ApplicationScoped
public class AdminBootstrap {
    private static final Logger LOG = Logger.getLogger(AdminBootstrap.class);
    static final String CREDENTIALS_FILE = "admin-credentials.txt";

    @Inject
    ModelHubConfig config;
    @Inject
    AccountService accounts;
    @Inject
    ClusterLocks cluster;

    @Transactional
    void onStart(@Observes StartupEvent event) {
        // Hub instances starting together on an empty database: one creates the admin, the others then find it.
        cluster.awaitLock("admin-bootstrap");
        String username = config.admin().username();
        Account admin = Account.findByUsername(username).orElse(null);
        if (admin == null) {
            String password = config.admin().password().orElseGet(AdminBootstrap::generatedPassword);
            long id = accounts.createUser(username, password, "Administrator", null, true).id;
            String token = config.admin().token()
                    .map(t -> accounts.importToken(id, "admin (MODELHUB_ADMIN_TOKEN)", "write", t))
                    .orElseGet(() -> accounts.createToken(id, "admin", "write"));
            String shownPassword = config.admin().password().isPresent() ? "(from MODELHUB_ADMIN_PASSWORD)" : password;
            String shownToken = config.admin().token().isPresent() ? "(from MODELHUB_ADMIN_TOKEN)" : token;
            Path file = Path.of(config.data()).resolve(CREDENTIALS_FILE);
            String kept;
            try {
                writeCredentials(file, username, shownPassword, shownToken);
                kept = " Also kept in " + file.toAbsolutePath() + " (readable by this user only):\n"
                        + " delete it once you have stored them elsewhere.\n";
            } catch (IOException e) {
                kept = " Could not keep them in " + file.toAbsolutePath() + " (" + e.getMessage() + ").\n";
            }
            // Straight to the console, never through the logger: a log file or a log shipper must not get secrets.
            System.out.println(banner(username, shownPassword, shownToken, kept));
            System.out.flush();
            LOG.infof("Admin account '%s' created; its password and token were printed to the console and kept in %s",
                    username, file.toAbsolutePath());
        } else if (config.admin().token().isPresent()) {
            // A token given later still becomes usable, so a script can rely on its own MODELHUB_ADMIN_TOKEN.
            accounts.importToken(admin.id, "admin (MODELHUB_ADMIN_TOKEN)", "write", config.admin().token().get());
        }
    }

    static String banner(String username, String password, String token, String kept) {
        return "\n==========================================================\n"
                + " ModelHub admin account created\n"
                + "   user:     " + username + "\n"
                + "   password: " + password + "\n"
                + "   token:    " + token + "\n"
                + " These are shown once, on this console only (never in the log).\n"
                + kept
                + "==========================================================";
    }

    /** Writes the first start's credentials to a file only its owner can read (created so, never widened). */
    static void writeCredentials(Path file, String username, String password, String token) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.deleteIfExists(file);
        String text = "user=" + username + "\npassword=" + password + "\ntoken=" + token + "\n";
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(file);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private static String generatedPassword() {
        byte[] bytes = new byte[9];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
