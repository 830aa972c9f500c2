package io.modelhub.runners.recipes.data;

/**
 * A dataset that cannot be used as given (wrong layout, no classes, unreadable image). A subclass of
 * {@link IllegalArgumentException} because it is bad input, not a runner fault: the job fails with this message
 * and retrying it on another runner would fail the same way.
 */
public class DatasetException extends IllegalArgumentException {
    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
