package io.modelhub.hf;

import io.modelhub.platform.ApiException;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * What a hub-signed LFS upload URL allows: exactly {@code size} bytes hashing to {@code oid}, into one staging
 * key, until {@code expires}. The HMAC over these fields is the URL's only credential (clients send no token on
 * upload URLs), and a URL cannot be bent to another object or size.
 *
 * @param chunk     part size of a multipart upload, 0 for a single PUT
 * @param uploadId  the store's multipart upload id, "" for a single PUT
 * @param account   who asked for the URL: the upload becomes its pending upload, which it may then commit
 * @param inPlace   the multipart upload goes straight to the blob's content address (its parts pass through the hub,
 *                  which hashes them on the way), not to the staging key of {@code id}
 */
record LfsTicket(String id, String oid, long size, long chunk, String uploadId, long expires, long account,
                 boolean inPlace) {
    private static final Pattern UUID = Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

    int parts() {
        return chunk == 0 ? 1 : (int) ((size + chunk - 1) / chunk);
    }

    /** Bytes of part {@code n} (1-based): full chunks, the last one the remainder. */
    long partLength(int n) {
        return n < parts() ? chunk : size - chunk * (parts() - 1);
    }

    String query(byte[] secret) {
        return "oid=" + oid + "&size=" + size + "&chunk=" + chunk
                + "&upload=" + URLEncoder.encode(uploadId, StandardCharsets.UTF_8) + "&expires=" + expires + "&account=" + account
                + (inPlace ? "&to=blob" : "") + "&signature=" + sign(secret);
    }

    String sign(byte[] secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            String text = id + "\n" + oid + "\n" + size + "\n" + chunk + "\n" + uploadId + "\n" + expires + "\n" + account
                    + (inPlace ? "\nblob" : "");
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rebuilds a ticket from an upload URL and checks its signature and lifetime. */
    static LfsTicket verify(byte[] secret, String id, String oid, String size, String chunk, String uploadId,
                            String expires, String account, String to, String signature) {
        LfsTicket t;
        try {
            if (id == null || !UUID.matcher(id).matches() || oid == null || signature == null) {
                throw new IllegalArgumentException();
            }
            t = new LfsTicket(id, oid, Long.parseLong(size), Long.parseLong(chunk), uploadId == null ? "" : uploadId,
                    Long.parseLong(expires), Long.parseLong(account), "blob".equals(to));
        } catch (IllegalArgumentException e) {
            throw new ApiException(403, "InvalidUploadUrl", "This upload URL is malformed");
        }
        if (!MessageDigest.isEqual(t.sign(secret).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII))) {
            throw new ApiException(403, "InvalidUploadUrl", "This upload URL's signature does not match");
        }
        if (Instant.now().getEpochSecond() > t.expires) {
            throw new ApiException(403, "ExpiredUploadUrl", "This upload URL has expired; ask the batch API for a new one");
        }
        return t;
    }
}
