package io.modelhub.xet;

import io.modelhub.commits.BlobClaims;
import io.modelhub.commits.CommitService;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.TransferMeters;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.blobs.StoredBlob;
import io.modelhub.storage.xet.CasStore;
import io.modelhub.storage.xet.Reconstruction;
import io.modelhub.storage.xet.Shard;
import io.modelhub.storage.xet.XetHash;
import io.modelhub.storage.xet.XetHashes;
import io.modelhub.storage.xet.Xorb;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CAS of the Xet protocol: checks and keeps xorbs, registers the files of shards, answers global-dedup
 * queries. Nothing a client says is taken on trust: a xorb's chunks are decompressed and hashed to check its hash,
 * and a shard's files are checked against the hub's own chunk index (verification hashes, file hash) before they
 * count.
 *
 * <p>A registered file is also rebuilt once into an ordinary blob under its sha256 (and claimed for the uploader),
 * so commits, LFS clients, resolve downloads, the runners and the UI read it unchanged. That costs the file's
 * bytes a second time in the store: the transfer is deduplicated, the storage is not yet (docs/xet.md).
 */
@ApplicationScoped
public class XetService {
    private static final Logger LOG = Logger.getLogger(XetService.class);
    /** Chunk bytes in xet_xorbs.chunk_index per chunk: raw hash, header offset u32, length u32. */
    static final int INDEX_ENTRY = 40;
    /** Bytes per term in xet_files.terms: raw xorb hash, start u32, end u32, length u32. */
    static final int TERM_ENTRY = 44;
    /** The most xorbs one dedup answer lists (64 MiB each: files up to ~4 GiB dedupe from one query). */
    static final int DEDUP_XORBS = 64;
    static final String XORB_PATH = "xet-xorb";

    @Inject
    EntityManager em;
    @Inject
    CasStore cas;
    @Inject
    BlobStore blobs;
    @Inject
    CommitService commits;
    @Inject
    BlobClaims claims;
    @Inject
    TransferMeters transfers;

    private final AtomicLong xorbBytesReceived = new AtomicLong();
    private final SecureRandom random = new SecureRandom();

    /** A xorb as the hub indexed it. */
    record XorbRow(XetHash hash, int packedEnd, List<XetHashes.Node> chunks, int[] offsets, long packedSize) {
        long spanEnd(int chunkEnd) {
            return chunkEnd == chunks.size() ? packedEnd : offsets[chunkEnd];
        }
    }

    /** Request-body bytes POST /v1/xorbs received since start: what the clients actually sent. */
    public long xorbBytesReceived() {
        return xorbBytesReceived.get();
    }

    /**
     * POST /v1/xorbs: checks the xorb's chunks against its hash and keeps it.
     *
     * @return whether it was new
     */
    @Transactional
    public boolean storeXorb(XetTokens.Grant grant, XetHash hash, byte[] body, int length, long nanos) {
        xorbBytesReceived.addAndGet(length);
        transfers.upload(XORB_PATH, length, nanos);
        if (xorb(hash).isPresent()) {
            return false;
        }
        if (length > Xorb.MAX_BYTES) {
            throw ApiException.badRequest("A xorb is at most " + Xorb.MAX_BYTES + " bytes serialized; this one is " + length);
        }
        List<Xorb.Chunk> chunks;
        try {
            chunks = Xorb.index(body, length);
        } catch (Xorb.InvalidXorbException e) {
            throw ApiException.badRequest("Not a xorb: " + e.getMessage());
        }
        List<XetHashes.Node> nodes = chunks.stream().map(c -> new XetHashes.Node(c.hash(), c.length())).toList();
        XetHash computed = XetHashes.xorbHash(nodes);
        if (!computed.equals(hash)) {
            throw ApiException.badRequest("The xorb's chunks hash to " + computed + ", not " + hash);
        }
        try {
            cas.put(CasStore.Kind.XORB, hash, body, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuffer index = ByteBuffer.allocate(chunks.size() * INDEX_ENTRY).order(ByteOrder.LITTLE_ENDIAN);
        byte[] raw = new byte[32];
        long unpacked = 0;
        for (Xorb.Chunk c : chunks) {
            c.hash().writeTo(raw, 0);
            index.put(raw).putInt(c.offset()).putInt(c.length());
            unpacked += c.length();
        }
        em.createNativeQuery("insert into xet_xorbs (hash, chunk_count, packed_size, packed_end, unpacked_size, chunk_index, account_id) "
                        + "values (?1, ?2, ?3, ?4, ?5, ?6, ?7) on conflict (hash) do nothing")
                .setParameter(1, hash.toString()).setParameter(2, chunks.size()).setParameter(3, length)
                .setParameter(4, chunks.get(chunks.size() - 1).end()).setParameter(5, unpacked)
                .setParameter(6, index.array()).setParameter(7, grant.accountId()).executeUpdate();
        return true;
    }

    /**
     * POST /v1/shards: registers the shard's files once each checks out against the hub's chunk index, rebuilds
     * each as a blob and claims it for the uploader, so its commit may name it by sha256.
     *
     * @return 1 when a file was new, 0 when all were known (the protocol's "SyncPerformed" / "Exists")
     */
    public int registerShard(XetTokens.Grant grant, byte[] shard) {
        List<Shard.FileInfo> files;
        try {
            files = Shard.files(shard);
        } catch (Shard.InvalidShardException e) {
            throw ApiException.badRequest("Not a shard: " + e.getMessage());
        }
        int result = 0;
        for (Shard.FileInfo f : files) {
            result |= registerFile(grant, f);
        }
        try {
            cas.put(CasStore.Kind.SHARD, XetHashes.chunkHash(shard, 0, shard.length), shard, shard.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    private int registerFile(XetTokens.Grant grant, Shard.FileInfo f) {
        Optional<String> known = sha256Of(f.hash());
        if (known.isPresent() && commits.touchBlob(known.get()).isPresent()) {
            // the shard's verification entries were checked when the file was first registered; these were not,
            // so only a complete check below proves this uploader has the bytes
            checkFile(f, xorbsOf(f));
            claims.claim(known.get(), grant.accountId());
            return 0;
        }
        Map<XetHash, XorbRow> xorbs = xorbsOf(f);
        List<XetHashes.Node> all = checkFile(f, xorbs);
        List<Reconstruction.Span> spans = new ArrayList<>();
        for (Shard.Term t : f.terms()) {
            XorbRow x = xorbs.get(t.xorb());
            spans.add(new Reconstruction.Span(t.xorb(), x.offsets()[t.start()], x.spanEnd(t.end())));
        }
        StoredBlob blob;
        long started = System.nanoTime();
        try (Reconstruction in = new Reconstruction(cas, spans)) {
            blob = blobs.put(in, f.size());
        } catch (IOException e) {
            throw new ApiException(500, null, "Rebuilding file " + f.hash() + " from its xorbs failed: " + e.getMessage());
        }
        LOG.debugf("xet file %s rebuilt as blob %s (%d bytes) in %d ms", f.hash(), blob.sha256(), blob.size(),
                (System.nanoTime() - started) / 1_000_000);
        if (f.sha256().isPresent() && !f.sha256().get().toString().equals(blob.sha256())
                && !java.util.HexFormat.of().formatHex(f.sha256().get().raw()).equals(blob.sha256())) {
            throw ApiException.badRequest("File " + f.hash() + " has sha256 " + blob.sha256() + ", not the "
                    + f.sha256().get() + " its shard names");
        }
        record(f, blob, all);
        claims.claim(blob.sha256(), grant.accountId());
        return 1;
    }

    @Transactional
    void record(Shard.FileInfo f, StoredBlob blob, List<XetHashes.Node> chunks) {
        commits.registerBlob(blob);
        ByteBuffer terms = ByteBuffer.allocate(f.terms().size() * TERM_ENTRY).order(ByteOrder.LITTLE_ENDIAN);
        byte[] raw = new byte[32];
        for (Shard.Term t : f.terms()) {
            t.xorb().writeTo(raw, 0);
            terms.put(raw).putInt(t.start()).putInt(t.end()).putInt((int) t.length());
        }
        em.createNativeQuery("insert into xet_files (xet_hash, sha256, size, terms) values (?1, ?2, ?3, ?4) "
                        + "on conflict (xet_hash) do nothing")
                .setParameter(1, f.hash().toString()).setParameter(2, blob.sha256()).setParameter(3, blob.size())
                .setParameter(4, terms.array()).executeUpdate();
        Set<String> eligible = new LinkedHashSet<>();
        for (int i = 0; i < chunks.size(); i++) {
            if (i == 0 || XetChunks.globalDedupEligible(chunks.get(i).hash())) {
                eligible.add(chunks.get(i).hash().toString());
            }
        }
        for (String chunk : eligible) {
            em.createNativeQuery("insert into xet_dedup_chunks (chunk_hash, xet_hash) values (?1, ?2) on conflict do nothing")
                    .setParameter(1, chunk).setParameter(2, f.hash().toString()).executeUpdate();
        }
    }

    /**
     * Checks every term of a file against the hub's index: the xorb is stored, the chunk range is in it, the
     * length and the verification hash are those of the range, and all chunks together give the file hash.
     *
     * @return the file's chunks, in order
     */
    private static List<XetHashes.Node> checkFile(Shard.FileInfo f, Map<XetHash, XorbRow> xorbs) {
        List<XetHashes.Node> all = new ArrayList<>();
        for (Shard.Term t : f.terms()) {
            XorbRow x = xorbs.get(t.xorb());
            if (x == null) {
                throw ApiException.badRequest("File " + f.hash() + " uses xorb " + t.xorb() + ", which was not uploaded: "
                        + "POST /v1/xorbs/default/" + t.xorb() + " before the shard");
            }
            if (t.end() > x.chunks().size()) {
                throw ApiException.badRequest("File " + f.hash() + " uses chunks " + t.start() + ".." + t.end()
                        + " of xorb " + t.xorb() + ", which has " + x.chunks().size());
            }
            List<XetHashes.Node> range = x.chunks().subList(t.start(), t.end());
            long length = range.stream().mapToLong(XetHashes.Node::length).sum();
            if (length != t.length()) {
                throw ApiException.badRequest("File " + f.hash() + ": chunks " + t.start() + ".." + t.end() + " of xorb "
                        + t.xorb() + " are " + length + " bytes, not " + t.length());
            }
            if (t.verification() == null
                    || !t.verification().equals(XetHashes.verificationHash(range.stream().map(XetHashes.Node::hash).toList()))) {
                throw ApiException.badRequest("File " + f.hash() + ": the verification hash of its term over xorb "
                        + t.xorb() + " is missing or wrong");
            }
            all.addAll(range);
        }
        XetHash computed = XetHashes.fileHash(all);
        if (!computed.equals(f.hash())) {
            throw ApiException.badRequest("The file's terms reconstruct to file hash " + computed + ", not " + f.hash());
        }
        return all;
    }

    private Map<XetHash, XorbRow> xorbsOf(Shard.FileInfo f) {
        Map<XetHash, XorbRow> rows = new HashMap<>();
        for (Shard.Term t : f.terms()) {
            if (!rows.containsKey(t.xorb())) {
                xorb(t.xorb()).ifPresent(r -> rows.put(t.xorb(), r));
            }
        }
        return rows;
    }

    Optional<XorbRow> xorb(XetHash hash) {
        List<?> rows = em.createNativeQuery("select chunk_count, packed_end, packed_size, chunk_index from xet_xorbs "
                        + "where hash = ?1", Tuple.class)
                .setParameter(1, hash.toString()).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Tuple row = (Tuple) rows.get(0);
        int n = ((Number) row.get("chunk_count")).intValue();
        ByteBuffer index = ByteBuffer.wrap(row.get("chunk_index", byte[].class)).order(ByteOrder.LITTLE_ENDIAN);
        List<XetHashes.Node> chunks = new ArrayList<>(n);
        int[] offsets = new int[n];
        byte[] raw = new byte[32];
        for (int i = 0; i < n; i++) {
            index.get(raw);
            offsets[i] = index.getInt();
            chunks.add(new XetHashes.Node(XetHash.ofRaw(raw), index.getInt()));
        }
        return Optional.of(new XorbRow(hash, ((Number) row.get("packed_end")).intValue(), chunks, offsets,
                ((Number) row.get("packed_size")).longValue()));
    }

    /** The sha256 of a registered Xet file. */
    public Optional<String> sha256Of(XetHash file) {
        List<?> rows = em.createNativeQuery("select sha256 from xet_files where xet_hash = ?1", Tuple.class)
                .setParameter(1, file.toString()).getResultList();
        return rows.isEmpty() ? Optional.empty() : Optional.of(((Tuple) rows.get(0)).get("sha256", String.class));
    }

    /**
     * GET /v1/chunks: the xorbs of the file the chunk was registered in, as a shard whose chunk hashes are keyed
     * with a fresh key; empty when the chunk is not indexed.
     */
    public Optional<byte[]> dedup(XetHash chunk) {
        List<?> rows = em.createNativeQuery("select f.terms as terms from xet_dedup_chunks d "
                        + "join xet_files f on f.xet_hash = d.xet_hash where d.chunk_hash = ?1", Tuple.class)
                .setParameter(1, chunk.toString()).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        ByteBuffer terms = ByteBuffer.wrap(((Tuple) rows.get(0)).get("terms", byte[].class)).order(ByteOrder.LITTLE_ENDIAN);
        Set<XetHash> xorbHashes = new LinkedHashSet<>();
        byte[] raw = new byte[32];
        while (terms.remaining() >= TERM_ENTRY && xorbHashes.size() < DEDUP_XORBS) {
            terms.get(raw);
            terms.position(terms.position() + 12);
            xorbHashes.add(XetHash.ofRaw(raw));
        }
        List<Shard.XorbListing> listings = new ArrayList<>();
        for (XetHash h : xorbHashes) {
            xorb(h).ifPresent(x -> listings.add(new Shard.XorbListing(h, x.chunks(), x.packedSize())));
        }
        byte[] key = new byte[32];
        random.nextBytes(key);
        return Optional.of(Shard.dedupAnswer(listings, key, Instant.now().getEpochSecond()));
    }

    /** The Xet hash of a blob, when it was registered through a shard. */
    public Optional<String> xetHashOfSha256(String sha256) {
        List<?> rows = em.createNativeQuery("select xet_hash from xet_files where sha256 = ?1 order by created_at limit 1", Tuple.class)
                .setParameter(1, sha256).getResultList();
        return rows.isEmpty() ? Optional.empty() : Optional.of(((Tuple) rows.get(0)).get("xet_hash", String.class));
    }

    /**
     * GET /v2/reconstructions: how to rebuild bytes [start, end] of a file the token's repository references: the
     * terms (xorb, chunk range, length) that cover them, and per xorb one hub-signed URL with the serialized byte
     * range holding those chunks.
     *
     * @param fetchUrl builds the signed URL of a xorb's byte range [from, to] (inclusive)
     */
    public Optional<Map<String, Object>> reconstruction(XetTokens.Grant grant, XetHash file, long start, long endInclusive,
                                                        FetchUrls fetchUrl) {
        List<?> rows = em.createNativeQuery("select sha256, size, terms from xet_files x where xet_hash = ?1 and exists ("
                        + "select 1 from commit_files f join commits c on c.id = f.commit_id "
                        + "where c.repo_id = ?2 and f.blob_sha256 = x.sha256)", Tuple.class)
                .setParameter(1, file.toString()).setParameter(2, grant.repoId()).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Tuple row = (Tuple) rows.get(0);
        long size = ((Number) row.get("size")).longValue();
        if (start >= size) {
            throw new ApiException(416, "RangeNotSatisfiable", "Byte " + start + " is past the end of the file (" + size + " bytes)");
        }
        long end = Math.min(endInclusive, size - 1);
        ByteBuffer terms = ByteBuffer.wrap(row.get("terms", byte[].class)).order(ByteOrder.LITTLE_ENDIAN);
        List<Map<String, Object>> outTerms = new ArrayList<>();
        Map<XetHash, int[]> used = new java.util.LinkedHashMap<>();
        Map<XetHash, XorbRow> xorbs = new HashMap<>();
        long offset = 0;
        long intoFirst = -1;
        byte[] raw = new byte[32];
        while (terms.remaining() >= TERM_ENTRY && offset <= end) {
            terms.get(raw);
            XetHash xorbHash = XetHash.ofRaw(raw);
            int from = terms.getInt();
            int to = terms.getInt();
            terms.getInt();
            XorbRow x = xorbs.computeIfAbsent(xorbHash, h -> xorb(h).orElseThrow(() ->
                    new ApiException(500, null, "Xorb " + h + " of file " + file + " is missing from the index")));
            int first = -1;
            int last = -1;
            long length = 0;
            for (int c = from; c < to; c++) {
                long chunkLength = x.chunks().get(c).length();
                if (offset + chunkLength > start && offset <= end) {
                    if (first < 0) {
                        first = c;
                    }
                    if (intoFirst < 0) {
                        intoFirst = start - offset;
                    }
                    last = c;
                    length += chunkLength;
                }
                offset += chunkLength;
            }
            if (first >= 0) {
                outTerms.add(Map.of("hash", xorbHash.toString(), "unpacked_length", length,
                        "range", Map.of("start", first, "end", last + 1)));
                used.merge(xorbHash, new int[]{first, last + 1}, (a, b) -> new int[]{Math.min(a[0], b[0]), Math.max(a[1], b[1])});
            }
        }
        Map<String, Object> fetch = new java.util.LinkedHashMap<>();
        used.forEach((h, r) -> {
            XorbRow x = xorbs.get(h);
            long from = x.offsets()[r[0]];
            long to = x.spanEnd(r[1]) - 1;
            fetch.put(h.toString(), List.of(Map.of("url", fetchUrl.url(h, from, to),
                    "ranges", List.of(Map.of("chunks", Map.of("start", r[0], "end", r[1]),
                            "bytes", Map.of("start", from, "end", to))))));
        });
        Map<String, Object> answer = new java.util.LinkedHashMap<>();
        answer.put("offset_into_first_range", Math.max(intoFirst, 0));
        answer.put("terms", outTerms);
        answer.put("xorbs", fetch);
        return Optional.of(answer);
    }

    /** Builds the hub-signed URL that serves bytes [from, to] of a xorb. */
    @FunctionalInterface
    public interface FetchUrls {
        String url(XetHash xorb, long from, long to);
    }

    /** Bytes [from, to] of a stored xorb. */
    public java.io.InputStream openXorb(XetHash xorb, long from, long to) throws IOException {
        return cas.open(CasStore.Kind.XORB, xorb, from, to - from + 1);
    }

    /**
     * Storage figures for admins: what the xorbs hold (serialized and uncompressed), what the Xet files add up to,
     * and per repository the bytes of the Xet files its history names. {@code dedupRatio} is file bytes per unique
     * chunk byte (chunk-level deduplication), {@code compressionRatio} uncompressed per stored byte.
     */
    @Transactional
    public Map<String, Object> storage() {
        Tuple xorbs = (Tuple) em.createNativeQuery("select count(*) as n, coalesce(sum(packed_size), 0) as packed, "
                + "coalesce(sum(unpacked_size), 0) as unpacked from xet_xorbs", Tuple.class).getSingleResult();
        Tuple files = (Tuple) em.createNativeQuery("select count(*) as n, coalesce(sum(size), 0) as bytes from xet_files",
                Tuple.class).getSingleResult();
        long packed = ((Number) xorbs.get("packed")).longValue();
        long unpacked = ((Number) xorbs.get("unpacked")).longValue();
        long fileBytes = ((Number) files.get("bytes")).longValue();
        List<Map<String, Object>> perRepo = new ArrayList<>();
        for (Object o : em.createNativeQuery("select r.type as type, r.namespace as namespace, r.name as name, "
                + "count(*) as files, sum(x.size) as bytes from repos r join xet_files x on x.sha256 in ("
                + "select f.blob_sha256 from commit_files f join commits c on c.id = f.commit_id where c.repo_id = r.id) "
                + "group by r.id, r.type, r.namespace, r.name order by bytes desc", Tuple.class).getResultList()) {
            Tuple t = (Tuple) o;
            perRepo.add(Map.of("type", t.get("type", String.class),
                    "id", t.get("namespace", String.class) + "/" + t.get("name", String.class),
                    "files", ((Number) t.get("files")).longValue(), "bytes", ((Number) t.get("bytes")).longValue()));
        }
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("xorbs", ((Number) xorbs.get("n")).longValue());
        out.put("storedBytes", packed);
        out.put("chunkBytes", unpacked);
        out.put("files", ((Number) files.get("n")).longValue());
        out.put("fileBytes", fileBytes);
        out.put("dedupRatio", unpacked == 0 ? 1.0 : (double) fileBytes / unpacked);
        out.put("compressionRatio", packed == 0 ? 1.0 : (double) unpacked / packed);
        out.put("repos", perRepo);
        return out;
    }
}
