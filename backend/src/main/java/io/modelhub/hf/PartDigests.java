package io.modelhub.hf;

import io.modelhub.storage.blobs.StoredBlob;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The running sha256 and git sha1 of hub-signed multipart uploads, kept on this hub instance between their part
 * requests: every byte of such an upload passes through the hub, so hashing the parts in order as they pass spares
 * reading the object back before it may be committed, and lets it go straight to its content address.
 *
 * <p>A part waits, without reading its body, until the part before it has passed: clients that send parts in
 * parallel (@huggingface/hub sends five at a time; huggingface_hub sends them one after the other) get them hashed in
 * order at the cost of one part streaming at a time. A part sent again is hashed again from the state before it; if it
 * differs from what later parts were hashed on top of, the running hash is given up. So is it when the part before
 * does not come within {@link #PATIENCE} of the upload's last byte (parts that reach another hub instance, a
 * restart): then the completion reads the object back instead (the JDK digests are several times faster than any
 * whose state could be saved to the database, so the state stays in memory).
 *
 * <p>The state that the digests reach after each part is kept, so that a part sent again is checked against it.
 */
@ApplicationScoped
public class PartDigests {
    static final Duration PATIENCE = Duration.ofSeconds(10);
    /** Uploads whose client went away are forgotten after this; their URLs expired long before. */
    private static final Duration FORGET = Duration.ofDays(2);

    private final ConcurrentHashMap<String, Upload> uploads = new ConcurrentHashMap<>();

    /** The running state of the upload of {@code t}, made on its first part to reach this instance. */
    Upload of(LfsTicket t) {
        Upload u = uploads.get(t.id());
        if (u == null) {
            long cutoff = System.nanoTime() - FORGET.toNanos();
            uploads.values().removeIf(old -> old.created - cutoff < 0);
            u = uploads.computeIfAbsent(t.id(), id -> new Upload(t.size(), t.parts()));
        }
        return u;
    }

    /** The blob that all parts of the upload, hashed in order, make up; empty when they could not be hashed so. */
    Optional<StoredBlob> finished(LfsTicket t) {
        Upload u = uploads.get(t.id());
        return u == null ? Optional.empty() : u.finished();
    }

    void forget(LfsTicket t) {
        uploads.remove(t.id());
    }

    /** sha256 and git's blob sha1 of the same bytes, continued part by part. */
    static final class Digests {
        private final MessageDigest sha256;
        private final MessageDigest sha1;

        private Digests(MessageDigest sha256, MessageDigest sha1) {
            this.sha256 = sha256;
            this.sha1 = sha1;
        }

        static Digests start(long size) {
            try {
                MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
                sha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
                return new Digests(MessageDigest.getInstance("SHA-256"), sha1);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        Digests copy() {
            try {
                return new Digests((MessageDigest) sha256.clone(), (MessageDigest) sha1.clone());
            } catch (CloneNotSupportedException e) {
                throw new IllegalStateException("the JDK's SHA digests are cloneable", e);
            }
        }

        void update(byte[] b, int off, int len) {
            sha256.update(b, off, len);
            sha1.update(b, off, len);
        }

        /** Same bytes so far: equal digests of the two prefixes. */
        boolean sameAs(Digests other) {
            return MessageDigest.isEqual(copy().sha256.digest(), other.copy().sha256.digest());
        }

        StoredBlob blob(long size) {
            Digests d = copy();
            return new StoredBlob(HexFormat.of().formatHex(d.sha256.digest()), HexFormat.of().formatHex(d.sha1.digest()), size);
        }
    }

    /** One upload's parts as they pass: the digest state after each part hashed in order so far. */
    static final class Upload {
        private final long created = System.nanoTime();
        private final long size;
        private final int parts;
        /** after.get(k): the digests after parts 1..k; after.get(0) the empty start. */
        private final List<Digests> after = new ArrayList<>();
        private final Set<Integer> inFlight = new HashSet<>();
        private boolean givenUp;
        private volatile long lastByte = System.nanoTime();

        Upload(long size, int parts) {
            this.size = size;
            this.parts = parts;
            after.add(Digests.start(size));
        }

        private int hashed() {
            return after.size() - 1;
        }

        /**
         * Waits until part {@code n} can be hashed in order and returns the digests to continue, or null when the
         * upload is no longer hashed in order (the part is then stored without being hashed).
         */
        synchronized Digests turn(int n) throws InterruptedException {
            if (!inFlight.add(n)) {
                // two requests for one part at once: which of them the store keeps is not known here
                givenUp = true;
            }
            while (!givenUp && hashed() < n - 1) {
                long left = PATIENCE.toNanos() - (System.nanoTime() - lastByte);
                if (left <= 0) {
                    givenUp = true;
                    break;
                }
                wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            notifyAll();
            return givenUp ? null : after.get(n - 1).copy();
        }

        /** Part {@code n} is stored and its bytes were hashed into {@code d}. */
        synchronized void passed(int n, Digests d) {
            inFlight.remove(n);
            lastByte = System.nanoTime();
            if (!givenUp) {
                if (n == hashed() + 1) {
                    after.add(d);
                } else if (n == hashed()) {
                    // the last part again: it replaced the stored one, whatever its bytes
                    after.set(n, d);
                } else if (!d.sameAs(after.get(n))) {
                    givenUp = true;
                }
            }
            notifyAll();
        }

        /**
         * Part {@code n} failed. A part sent again that failed may still have replaced the stored part, whose
         * bytes are then unknown: hashing in order is given up.
         */
        synchronized void failed(int n) {
            inFlight.remove(n);
            lastByte = System.nanoTime();
            if (n <= hashed()) {
                givenUp = true;
            }
            notifyAll();
        }

        synchronized Optional<StoredBlob> finished() {
            return givenUp || hashed() != parts || !inFlight.isEmpty() ? Optional.empty() : Optional.of(after.get(parts).blob(size));
        }

        /** Hashes what it passes on and tells waiting parts that the upload is still moving. */
        InputStream hashing(InputStream in, Digests d) {
            return new FilterInputStream(in) {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        if (d != null) {
                            d.update(b, off, n);
                        }
                        lastByte = System.nanoTime();
                    }
                    return n;
                }
            };
        }
    }
}
