package io.modelhub.storage.blobs;

/**
 * One uploaded part of a multipart upload, as the client reports it.
 *
 * @param etag the {@code ETag} response header of the part's PUT, quoted or not
 */
public record CompletedPart(int partNumber, String etag) {

    public CompletedPart {
        if (partNumber < 1 || partNumber > 10_000) {
            throw new IllegalArgumentException("part number " + partNumber + " is outside 1..10000");
        }
        if (etag == null || etag.isBlank()) {
            throw new IllegalArgumentException("part " + partNumber + " has no ETag");
        }
    }
}
