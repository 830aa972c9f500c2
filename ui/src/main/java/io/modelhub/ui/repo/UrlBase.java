package io.modelhub.ui.repo;

import com.vaadin.flow.server.VaadinRequest;
import com.vaadin.flow.server.VaadinServletRequest;
import org.eclipse.microprofile.config.ConfigProvider;

/** The hub's base URL for snippets: MODELHUB_PUBLIC_URL when set, else the address the browser used. */
final class UrlBase {
    private UrlBase() {
    }

    static String current() {
        var configured = ConfigProvider.getConfig().getOptionalValue("modelhub.public-url", String.class);
        if (configured.isPresent()) {
            String base = configured.get();
            return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        }
        VaadinRequest request = VaadinRequest.getCurrent();
        if (request instanceof VaadinServletRequest servlet) {
            var http = servlet.getHttpServletRequest();
            return http.getScheme() + "://" + http.getServerName() + ":" + http.getServerPort();
        }
        return "http://localhost:8080";
    }
}
