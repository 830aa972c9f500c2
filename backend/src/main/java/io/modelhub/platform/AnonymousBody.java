package io.modelhub.platform;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a body-taking method without a repository in its path that answers anonymous callers (validate-yaml, the
 * hub-signed LFS upload URLs, which carry their own signature). Every other such method needs a signed-in caller,
 * and {@link io.modelhub.repos.RepoAccessFilter} refuses an anonymous one (401) before a byte of its body is read;
 * here an anonymous body is capped at {@link BodyLimitFilter#ANONYMOUS_JSON_BYTES} instead of the JSON cap (file
 * uploads keep theirs: their URL's signature is the authorisation).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface AnonymousBody {
}
