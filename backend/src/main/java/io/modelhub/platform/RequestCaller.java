package io.modelhub.platform;

/**
 * Who makes the current request, as far as platform code needs to know it: the request filters here must not depend
 * on the accounts feature (which depends on the platform), so accounts provides this.
 */
public interface RequestCaller {
    /** Whether the request carries no valid credential. */
    boolean anonymous();
}
