package io.modelhub.ui;

import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.SessionCookieConfig;
import jakarta.servlet.annotation.WebListener;

/**
 * The browser session cookie (a signed-in user's session) is out of reach of page scripts (HttpOnly), so an injected
 * script cannot steal it.
 */
@WebListener
public class SessionCookies implements ServletContextListener {
    @Override
    public void contextInitialized(ServletContextEvent event) {
        SessionCookieConfig cookie = event.getServletContext().getSessionCookieConfig();
        cookie.setHttpOnly(true);
    }
}
