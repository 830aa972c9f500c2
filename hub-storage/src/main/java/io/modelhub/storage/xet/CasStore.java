package io.modelhub.storage.xet;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The object store's side of Xet: xorbs and shards kept by their hash. Callers name objects by kind and hash only;
 * the key layout is the store's. Objects are immutable: a put of an existing hash changes nothing.
 */
public interface CasStore extends AutoCloseable {

    enum Kind { XORB, SHARD }

    /** Stores {@code length} bytes of {@code bytes} under the hash; false when the object was already there. */
    boolean put(Kind kind, XetHash hash, byte[] bytes, int length) throws IOException;

    boolean exists(Kind kind, XetHash hash);

    /** {@code length} bytes from {@code offset}; FileNotFoundException when the object is absent. */
    InputStream open(Kind kind, XetHash hash, long offset, long length) throws IOException;

    /** A URL that reads the object without credentials until {@code ttl} passes (clients send {@code Range}). */
    String presignedGetUrl(Kind kind, XetHash hash, Duration ttl);

    void delete(Kind kind, XetHash hash);

    /** Every stored object of a kind, with its size, streamed. */
    void forEach(Kind kind, Consumer<StoredObject> consumer);

    /** One object of a listing. */
    record StoredObject(XetHash hash, long size, java.time.Instant lastModified) {
    }

    @Override
    void close();
}
