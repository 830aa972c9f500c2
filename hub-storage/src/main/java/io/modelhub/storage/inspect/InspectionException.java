package io.modelhub.storage.inspect;

/** A model file is malformed; the message says how, in words fit for the person who uploaded it. */
public class InspectionException extends Exception {

    public InspectionException(String message) {
        super(message);
    }

    public InspectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
