package io.modelhub.storage.xet;

import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.List;

/**
 * A file's bytes rebuilt from its terms: each term's chunk range is read from its xorb in one ranged read and
 * decompressed chunk by chunk, so at most one chunk (128 KiB) is held at a time.
 */
public final class Reconstruction extends InputStream {

    /** A term as stored bytes: the xorb and the serialized byte range [from, to) of its chunk range. */
    public record Span(XetHash xorb, long from, long to) {
    }

    private final CasStore store;
    private final Iterator<Span> spans;
    private InputStream current;
    private long currentLeft;
    private byte[] chunk = new byte[0];
    private int pos;

    public Reconstruction(CasStore store, List<Span> spans) {
        this.store = store;
        this.spans = spans.iterator();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        while (pos == chunk.length) {
            if (!nextChunk()) {
                return -1;
            }
        }
        int n = Math.min(len, chunk.length - pos);
        System.arraycopy(chunk, pos, buf, off, n);
        pos += n;
        return n;
    }

    private boolean nextChunk() throws IOException {
        while (current == null || currentLeft == 0) {
            if (current != null) {
                current.close();
                current = null;
            }
            if (!spans.hasNext()) {
                return false;
            }
            Span s = spans.next();
            current = store.open(CasStore.Kind.XORB, s.xorb(), s.from(), s.to() - s.from());
            currentLeft = s.to() - s.from();
        }
        byte[] header = current.readNBytes(Xorb.HEADER);
        if (header.length != Xorb.HEADER) {
            throw new IOException("a xorb ended inside a chunk header");
        }
        int packed = Xorb.u24(header, 1);
        byte[] data = current.readNBytes(packed);
        if (data.length != packed) {
            throw new IOException("a xorb ended inside a chunk");
        }
        currentLeft -= Xorb.HEADER + packed;
        try {
            chunk = Xorb.decode(data, 0, packed, header[4] & 0xff, Xorb.u24(header, 5));
        } catch (Xorb.InvalidXorbException e) {
            throw new IOException(e.getMessage(), e);
        }
        pos = 0;
        return true;
    }

    @Override
    public void close() throws IOException {
        if (current != null) {
            current.close();
        }
    }
}
