package io.modelhub.storage.blobs;

/** A staged upload is not what its uploader announced; the staged bytes have been discarded. */
public class BlobIntegrityException extends java.io.IOException {

    private final String expected;
    private final String actual;

    public BlobIntegrityException(String stagingKey, String what, String expected, String actual) {
        super("upload " + stagingKey + " does not match: expected " + what + " " + expected + " but got " + actual);
        this.expected = expected;
        this.actual = actual;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }
}
