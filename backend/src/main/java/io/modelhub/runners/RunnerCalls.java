package io.modelhub.runners;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the resource of the runner protocol. Its calls need a runner credential (a user token of any scope gets
 * 403, no credential 401), and a runner credential reaches nothing else (403): see {@link RunnerCredentialFilter}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface RunnerCalls {
}
