package io.modelhub.contract;

/** A job parameter that its recipe's schema refuses; {@link #parameter()} names it, for a form to show it on its field. */
public final class InvalidParameterException extends IllegalArgumentException {
    private final String parameter;

    public InvalidParameterException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
