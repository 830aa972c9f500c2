package io.modelhub.accounts;

import io.modelhub.platform.ModelHubConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The first start creates the admin account. Its password and token come from MODELHUB_ADMIN_PASSWORD and
 * MODELHUB_ADMIN_TOKEN when set; otherwise they are generated and printed this one time.
 */
@ApplicationScoped
public class AdminBootstrap {
    private static final Logger LOG = Logger.getLogger(AdminBootstrap.class);

    @Inject
    ModelHubConfig config;
    @Inject
    AccountService accounts;

    @Transactional
    void onStart(@Observes StartupEvent event) {
        String username = config.admin().username();
        Account admin = Account.findByUsername(username).orElse(null);
        if (admin == null) {
            String password = config.admin().password().orElseGet(AdminBootstrap::generatedPassword);
            long id = accounts.createUser(username, password, "Administrator", null, true).id;
            String token = config.admin().token()
                    .map(t -> accounts.importToken(id, "admin (MODELHUB_ADMIN_TOKEN)", "write", t))
                    .orElseGet(() -> accounts.createToken(id, "admin", "write"));
            String banner = "\n==========================================================\n"
                    + " ModelHub admin account created\n"
                    + "   user:     " + username + "\n"
                    + (config.admin().password().isPresent() ? "   password: (from MODELHUB_ADMIN_PASSWORD)\n" : "   password: " + password + "\n")
                    + (config.admin().token().isPresent() ? "   token:    (from MODELHUB_ADMIN_TOKEN)\n" : "   token:    " + token + "\n")
                    + " These are shown once.\n"
                    + "==========================================================";
            LOG.info(banner);
        } else if (config.admin().token().isPresent()) {
            // A token given later still becomes usable, so a script can rely on its own MODELHUB_ADMIN_TOKEN.
            accounts.importToken(admin.id, "admin (MODELHUB_ADMIN_TOKEN)", "write", config.admin().token().get());
        }
    }

    private static String generatedPassword() {
        byte[] bytes = new byte[9];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
