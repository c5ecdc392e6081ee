package dev.extfarm.registry.oci;

import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.oci.BlobIndex.BlobRef;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Blob pushes: {@code POST /v2/<name>/blobs/uploads/} (a session; {@code ?digest=} monolithic;
 * {@code ?mount=&from=} cross-repository mount), {@code PATCH} (a chunk, sequential, checked
 * against {@code Content-Range}), {@code PUT ?digest=} (last bytes, verify, publish),
 * {@code GET} (state) and {@code DELETE} (cancel) of {@code /v2/<name>/blobs/uploads/<id>}.
 * Only into repositories of the catalog; a session continues only for the token that started it.
 */
@ApplicationScoped
public class UploadRoutes {

    @Inject
    OciAuth auth;
    @Inject
    Uploads uploads;
    @Inject
    BlobIntake intake;
    @Inject
    BlobIndex index;
    @Inject
    CatalogNames names;
    @Inject
    Visibility visibility;

    void start(OciCall call) {
        String repo = call.repository();
        auth.requirePushRole(call.viewer, repo);
        String mount = call.query("mount");
        String from = call.query("from");
        String digestParam = call.query("digest");
        if (mount != null && from != null) {
            call.blocking(() -> {
                auth.requirePush(call.viewer, repo);
                return mount(call, Digest.parse(mount), from);
            }).onSuccess(ref -> {
                if (ref.isPresent()) {
                    call.body.discard();
                    created(call, ref.get());
                } else {
                    newSession(call);
                }
            }).onFailure(call::fail);
            return;
        }
        call.blocking(() -> {
            auth.requirePush(call.viewer, repo);
            return digestParam == null ? null : intake.receive(repo, call.body, Digest.parse(digestParam));
        }).onSuccess(ref -> {
            if (ref != null) {
                created(call, ref);
            } else {
                newSession(call);
            }
        }).onFailure(call::fail);
    }

    /**
     * A cross-repository mount links the blob without its bytes, but only where it reveals nothing:
     * the caller may read it in {@code from}, and everyone who may read the target may read the
     * blob's owner (a bundle's extension, else {@code from}'s). Otherwise (also for a source that
     * does not exist or is not visible) the spec's fallback: empty, and the caller gets an upload
     * session.
     */
    private Optional<BlobRef> mount(OciCall call, Digest digest, String from) {
        String source;
        try {
            source = OciPath.validName(from);
        } catch (OciException notAName) {
            return Optional.empty();
        }
        String target = OciPath.extension(call.repository());
        if (!auth.canRead(call.viewer, OciPath.extension(source)) || !names.exists(OciPath.extension(source))) {
            return Optional.empty();
        }
        return index.held(source, digest)
                .filter(h -> h.owner() == null ? OciAuth.isPusher(call.viewer) : auth.canRead(call.viewer, h.owner()))
                .filter(h -> visibility.everyoneWhoSeesAlsoSees(target, h.owner() == null ? OciPath.extension(source) : h.owner()))
                .map(h -> {
                    index.link(call.repository(), h.ref());
                    return h.ref();
                });
    }

    private void newSession(OciCall call) {
        Long tokenId = call.viewer.tokenId();
        call.blocking(() -> uploads.start(call.repository(), tokenId)).onSuccess(s -> {
            call.body.discard();
            accepted(call, s, 202);
        }).onFailure(call::fail);
    }

    /** The caller's own session in this repository (BLOB_UPLOAD_UNKNOWN for anyone else's). Blocking. */
    private Uploads.Session session(OciCall call) {
        auth.requirePush(call.viewer, call.repository());
        return uploads.get(call.repository(), call.path.reference(), call.viewer.tokenId());
    }

    void status(OciCall call) {
        auth.requirePushRole(call.viewer, call.repository());
        call.blocking(() -> session(call)).onSuccess(s -> accepted(call, s, 204)).onFailure(call::fail);
    }

    void patch(OciCall call) {
        auth.requirePushRole(call.viewer, call.repository());
        String contentRange = call.request().getHeader("Content-Range");
        call.blocking(() -> {
            Uploads.Session s = session(call);
            checkRange(call, s, contentRange);
            return intake.appendChunk(s, limited(call, contentRange));
        }).onSuccess(s -> accepted(call, s, 202)).onFailure(call::fail);
    }

    void put(OciCall call) {
        auth.requirePushRole(call.viewer, call.repository());
        String digestParam = call.query("digest");
        String contentRange = call.request().getHeader("Content-Range");
        call.blocking(() -> {
            Uploads.Session s = session(call);
            if (digestParam == null) {
                throw new OciException(OciError.DIGEST_INVALID, "finish an upload with PUT ...?digest=<digest of all its bytes>");
            }
            Digest digest = Digest.parse(digestParam);
            checkRange(call, s, contentRange);
            return intake.complete(s, limited(call, contentRange), digest);
        }).onSuccess(ref -> created(call, ref)).onFailure(call::fail);
    }

    void cancel(OciCall call) {
        auth.requirePushRole(call.viewer, call.repository());
        call.blocking(() -> {
            intake.discard(session(call));
            return null;
        }).onSuccess(v -> call.response(204).end()).onFailure(call::fail);
    }

    /** A chunk's {@code Content-Range: <start>-<end>} must start where the upload ends. */
    private static void checkRange(OciCall call, Uploads.Session s, String contentRange) {
        if (contentRange == null) {
            return;
        }
        long[] r = parseContentRange(contentRange);
        if (r[0] != s.size()) {
            throw BlobIntake.outOfOrder(s, "the chunk starts at byte " + r[0]);
        }
        String length = call.request().getHeader("Content-Length");
        if (length != null && Long.parseLong(length.strip()) != r[1] - r[0] + 1) {
            throw new OciException(OciError.SIZE_INVALID, "Content-Range " + contentRange + " is " + (r[1] - r[0] + 1)
                    + " bytes but Content-Length is " + length);
        }
    }

    /** {@code <start>-<end>}, also in the RFC form {@code bytes <start>-<end>/<total>}. */
    static long[] parseContentRange(String header) {
        String h = header.strip();
        if (h.regionMatches(true, 0, "bytes", 0, 5)) {
            h = h.substring(5).strip();
            if (h.startsWith("=")) {
                h = h.substring(1);
            }
        }
        int slash = h.indexOf('/');
        if (slash >= 0) {
            h = h.substring(0, slash);
        }
        int dash = h.indexOf('-');
        try {
            long start = Long.parseLong(h.substring(0, dash).strip());
            long end = Long.parseLong(h.substring(dash + 1).strip());
            if (start < 0 || end < start) {
                throw new NumberFormatException();
            }
            return new long[] {start, end};
        } catch (RuntimeException e) {
            throw new OciException(OciError.BLOB_UPLOAD_INVALID, "Content-Range '" + header
                    + "' is not <start>-<end> (inclusive byte offsets)");
        }
    }

    /** The body, cut off at the length its Content-Range announced (more bytes than announced are SIZE_INVALID). */
    private static InputStream limited(OciCall call, String contentRange) {
        if (contentRange == null) {
            return call.body;
        }
        long[] r = parseContentRange(contentRange);
        long expected = r[1] - r[0] + 1;
        return new InputStream() {
            long seen;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = call.body.read(b, off, len);
                if (n > 0) {
                    seen += n;
                }
                if (seen > expected || n < 0 && seen != expected) {
                    throw new OciException(OciError.SIZE_INVALID, "the chunk has " + (n < 0 ? seen : "more than " + expected)
                            + " bytes but Content-Range " + contentRange + " announced " + expected + "; it was not stored");
                }
                return n;
            }
        };
    }

    private static void accepted(OciCall call, Uploads.Session s, int status) {
        HttpServerResponse resp = call.response(status);
        resp.putHeader("Location", "/v2/" + s.repository() + "/blobs/uploads/" + s.id())
                .putHeader("Range", s.range()).putHeader("Docker-Upload-UUID", s.id().toString())
                .putHeader("Content-Length", "0").end();
    }

    private static void created(OciCall call, BlobRef ref) {
        call.response(201).putHeader("Location", "/v2/" + call.repository() + "/blobs/" + ref.digest())
                .putHeader("Docker-Content-Digest", ref.digest().toString()).putHeader("Content-Length", "0").end();
    }
}
