package io.modelhub.platform;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.List;
import java.util.Locale;

/**
 * The browser session cookie ({@code JSESSIONID}, the UI's signed-in session) gets {@code SameSite=Lax}: other
 * sites cannot make the browser send it with their forms or scripted requests. The servlet container writes the
 * cookie as a raw {@code Set-Cookie} header and ignores both {@code SessionCookieConfig.setAttribute("SameSite")}
 * and Quarkus' {@code quarkus.http.same-site-cookie}, so the header is completed here, just before the response
 * headers are written, for every route (API, UI, static files).
 */
@ApplicationScoped
public class SessionCookieSameSite {
    static final String SESSION_COOKIE = "JSESSIONID=";

    void install(@Observes Router router) {
        router.route().order(-10_000).handler(rc -> {
            rc.addHeadersEndHandler(v -> addSameSite(rc.response().headers()));
            rc.next();
        });
    }

    static void addSameSite(MultiMap headers) {
        List<String> cookies = headers.getAll("Set-Cookie");
        if (cookies.stream().noneMatch(SessionCookieSameSite::needsSameSite)) {
            return;
        }
        headers.remove("Set-Cookie");
        for (String cookie : cookies) {
            headers.add("Set-Cookie", needsSameSite(cookie) ? cookie + "; SameSite=Lax" : cookie);
        }
    }

    private static boolean needsSameSite(String cookie) {
        return cookie.startsWith(SESSION_COOKIE) && !cookie.toLowerCase(Locale.ROOT).contains("samesite");
    }
}
