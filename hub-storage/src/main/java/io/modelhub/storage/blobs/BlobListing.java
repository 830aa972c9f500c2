package io.modelhub.storage.blobs;

import java.time.Instant;

/** One stored blob as seen by a listing, which is all garbage collection needs. */
public record BlobListing(String sha256, long size, Instant lastModified) {
}
