package io.modelhub.runners.recipes.vision;

/**
 * A model folder that this code cannot build or load (bad config.json, missing or misshapen tensors). Bad input
 * like {@link io.modelhub.runners.recipes.data.DatasetException}: retrying elsewhere would not help.
 */
public class InvalidModelException extends IllegalArgumentException {
    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
