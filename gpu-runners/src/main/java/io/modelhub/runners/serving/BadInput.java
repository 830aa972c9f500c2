package io.modelhub.runners.serving;

/** The request does not fit the model (not an image, a list where a text was needed, ...): the caller gets 400. */
public final class BadInput extends RuntimeException {
    public BadInput(String message) {
        super(message);
    }
}
