package dev.extfarm.registry.oci;

import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.http.BlockingBodyWriter;
import dev.extfarm.registry.oci.BlobIndex.BlobRef;
import dev.extfarm.registry.oci.BlobIndex.Held;
import dev.extfarm.registry.serving.BlobServing;
import dev.extfarm.registry.serving.BlobServing.Access;
import dev.extfarm.registry.serving.RangeAnswer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code GET|HEAD|DELETE /v2/<name>/blobs/<digest>}. Bytes of a filesystem store go out with
 * {@code sendFile} from the event loop (zero-copy); a cached location means no database round
 * trip. Who may read a blob and which bytes a request gets is {@link BlobServing}'s decision
 * ({@code Range} gives 206, a range past the end 416); this class writes them. Blobs are immutable:
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
    BlobServing serving;

    void get(OciCall call) {
        String repo = call.repository();
        if (auth.knownReadable(call.viewer, repo)) {
            Digest digest = Digest.parse(call.path.reference());
            Optional<Held> cached = index.cached(repo, digest);
            Optional<Access> access = cached.flatMap(h -> access(call, h));
            if (access.isPresent()) {
                serve(call, cached.get(), access.get());
                return;
            }
        }
        call.blocking(() -> {
            auth.requireRead(call.viewer, repo);
            Digest digest = Digest.parse(call.path.reference());
            return index.held(repo, digest).filter(h -> access(call, h).isPresent())
                    .orElseThrow(() -> OciException.blobUnknown(repo, digest));
        }).onSuccess(held -> {
            try {
                serve(call, held, access(call, held).orElseThrow(() -> OciException.blobUnknown(repo, held.ref().digest())));
            } catch (RuntimeException e) {
                call.fail(e);
            }
        }).onFailure(call::fail);
    }

    /**
     * The blob's owner decides, not only the repository named in the URL ({@link BlobServing#ociBlob}):
     * a bundle's bytes are read by those who may see that bundle's extension, whichever repository
     * links them. Empty: BLOB_UNKNOWN, as for a blob that is not there.
     */
    private Optional<Access> access(OciCall call, Held held) {
        return serving.ociBlob(call.viewer, held.owner(), call.path.extension());
    }

    private void serve(OciCall call, Held held, Access access) {
        BlobRef ref = held.ref();
        HttpServerResponse resp = call.response(200);
        String etag = "\"" + ref.digest() + "\"";
        resp.putHeader("Docker-Content-Digest", ref.digest().toString()).putHeader("ETag", etag)
                .putHeader("Accept-Ranges", "bytes").putHeader("Content-Type", "application/octet-stream")
                .putHeader("Cache-Control", access.isPrivate() ? "private" : PUBLIC_CACHE);
        var req = call.request();
        long size = ref.size();
        RangeAnswer answer = BlobServing.answer(size, etag, req.getHeader("If-None-Match"), req.getHeader("Range"),
                req.getHeader("If-Range"));
        if (answer.isNotModified()) {
            resp.setStatusCode(304).end();
            return;
        }
        if (answer.isUnsatisfiable()) {
            throw new OciException(OciError.RANGE_NOT_SATISFIABLE, "the range '" + req.getHeader("Range")
                    + "' starts past the end of the " + size + "-byte blob").header("Content-Range", answer.contentRange());
        }
        long start = answer.start();
        long length = answer.length();
        if (answer.isPartial()) {
            resp.setStatusCode(206).putHeader("Content-Range", answer.contentRange());
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
