package dev.extfarm.registry.oci;

import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.http.BlockingBodyWriter;
import dev.extfarm.registry.oci.BlobIndex.BlobRef;
import dev.extfarm.registry.oci.BlobIndex.Held;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code GET|HEAD|DELETE /v2/<name>/blobs/<digest>}. Bytes of a filesystem store go out with
 * {@code sendFile} from the event loop (zero-copy); a cached location means no database round
 * trip. {@code Range} gives 206, a range past the end 416. Blobs are immutable:
 * {@code Cache-Control: public, max-age=31536000, immutable} for public repositories. Who may read
 * a blob is decided by its owner ({@link Held}), not only by the repository in the URL.
 */
@ApplicationScoped
public class BlobRoutes {

    static final String PUBLIC_CACHE = "public, max-age=31536000, immutable";

    @Inject
    BlobIndex index;
    @Inject
    BlobStore store;
    @Inject
    OciAuth auth;
    @Inject
    Visibility visibility;

    /** An inclusive byte range. */
    record Range(long start, long end) {
        static final Range UNSATISFIABLE = new Range(-1, -1);

        long length() {
            return end - start + 1;
        }

        /** Null for "send everything" (no header, or one this server does not serve as a range). */
        static Range parse(String header, long size) {
            if (header == null || !header.regionMatches(true, 0, "bytes=", 0, 6) || header.contains(",")) {
                return null;
            }
            String spec = header.substring(6).strip();
            int dash = spec.indexOf('-');
            if (dash < 0) {
                return null;
            }
            try {
                String a = spec.substring(0, dash).strip();
                String b = spec.substring(dash + 1).strip();
                if (a.isEmpty()) {
                    long suffix = Long.parseLong(b);
                    return suffix <= 0 ? (size == 0 ? UNSATISFIABLE : null) : new Range(Math.max(0, size - suffix), size - 1);
                }
                long start = Long.parseLong(a);
                if (start >= size) {
                    return UNSATISFIABLE;
                }
                long end = b.isEmpty() ? size - 1 : Long.parseLong(b);
                return start < 0 || end < start ? null : new Range(start, Math.min(end, size - 1));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }

    void get(OciCall call) {
        String repo = call.repository();
        if (auth.knownReadable(call.viewer, repo)) {
            Digest digest = Digest.parse(call.path.reference());
            Optional<Held> cached = index.cached(repo, digest).filter(h -> mayRead(call, h));
            if (cached.isPresent()) {
                serve(call, cached.get());
                return;
            }
        }
        call.blocking(() -> {
            auth.requireRead(call.viewer, repo);
            Digest digest = Digest.parse(call.path.reference());
            return index.held(repo, digest).filter(h -> mayRead(call, h)).orElseThrow(() -> OciException.blobUnknown(repo, digest));
        }).onSuccess(held -> {
            try {
                serve(call, held);
            } catch (RuntimeException e) {
                call.fail(e);
            }
        }).onFailure(call::fail);
    }

    /**
     * The blob's owner decides, not only the repository named in the URL: a bundle's bytes are read
     * by those who may see that bundle's extension, whichever repository links them; bytes no
     * manifest uses yet by pushers only. Anyone else gets BLOB_UNKNOWN, as for a blob that is not there.
     */
    private boolean mayRead(OciCall call, Held held) {
        return held.owner() == null ? OciAuth.isPusher(call.viewer) : auth.canRead(call.viewer, held.owner());
    }

    private void serve(OciCall call, Held held) {
        BlobRef ref = held.ref();
        HttpServerResponse resp = call.response(200);
        String etag = "\"" + ref.digest() + "\"";
        boolean isPrivate = held.owner() == null || visibility.isPrivate(held.owner()) || visibility.isPrivate(call.path.extension());
        resp.putHeader("Docker-Content-Digest", ref.digest().toString()).putHeader("ETag", etag)
                .putHeader("Accept-Ranges", "bytes").putHeader("Content-Type", "application/octet-stream")
                .putHeader("Cache-Control", isPrivate ? "private" : PUBLIC_CACHE);
        String inm = call.request().getHeader("If-None-Match");
        if (inm != null && (inm.contains(etag) || inm.strip().equals("*"))) {
            resp.setStatusCode(304).end();
            return;
        }
        long size = ref.size();
        Range range = Range.parse(call.request().getHeader("Range"), size);
        if (range == Range.UNSATISFIABLE) {
            throw new OciException(OciError.RANGE_NOT_SATISFIABLE, "the range '" + call.request().getHeader("Range")
                    + "' starts past the end of the " + size + "-byte blob").header("Content-Range", "bytes */" + size);
        }
        long start = range == null ? 0 : range.start();
        long length = range == null ? size : range.length();
        if (range != null) {
            resp.setStatusCode(206).putHeader("Content-Range", "bytes " + range.start() + "-" + range.end() + "/" + size);
        }
        if (call.method() == HttpMethod.HEAD) {
            resp.putHeader("Content-Length", Long.toString(length)).end();
            return;
        }
        Optional<Path> local = store.localFile(ref.key());
        if (local.isPresent()) {
            resp.sendFile(local.get().toString(), start, length).onFailure(e -> call.fail(
                    new OciException(OciError.BLOB_UNKNOWN, "blob " + ref.digest() + " is gone from the store; push it again")));
            return;
        }
        resp.putHeader("Content-Length", Long.toString(length));
        call.blocking(() -> {
            BlockingBodyWriter.send(store.open(ref.key(), start), length, resp); // remote (S3): back-pressure
            return null;
        }).onFailure(call::fail);
    }

    void delete(OciCall call) {
        auth.requireDeleteRole(call.viewer, call.repository());
        call.blocking(() -> {
            auth.requireRead(call.viewer, call.repository());
            index.unlink(call.repository(), Digest.parse(call.path.reference()));
            return null;
        }).onSuccess(v -> call.response(202).putHeader("Content-Length", "0").end()).onFailure(call::fail);
    }
}
