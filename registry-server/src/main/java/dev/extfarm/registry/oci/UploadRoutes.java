package dev.extfarm.registry.oci;

import dev.extfarm.registry.oci.BlobIndex.BlobRef;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.InputStream;

/**
 * Blob pushes: {@code POST /v2/<name>/blobs/uploads/} (a session; {@code ?digest=} monolithic;
 * {@code ?mount=&from=} cross-repository mount), {@code PATCH} (a chunk, sequential, checked
 * against {@code Content-Range}), {@code PUT ?digest=} (last bytes, verify, publish),
 * {@code GET} (state) and {@code DELETE} (cancel) of {@code /v2/<name>/blobs/uploads/<id>}.
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

    void start(OciCall call) {
        String repo = call.repository();
        auth.requirePush(call.viewer, repo);
        String mount = call.query("mount");
        String from = call.query("from");
        String digestParam = call.query("digest");
        if (mount != null && from != null) {
            Digest digest = Digest.parse(mount);
            String source = OciPath.validName(from);
            call.blocking(() -> {
                if (auth.canRead(call.viewer, OciPath.extension(source))) {
                    var ref = index.find(source, digest);
                    if (ref.isPresent()) {
                        index.link(repo, ref.get());
                        return ref.get();
                    }
                }
                return null;
            }).onSuccess(ref -> {
                if (ref != null) {
                    call.body.discard();
                    created(call, ref);
                } else {
                    newSession(call);
                }
            }).onFailure(call::fail);
            return;
        }
        if (digestParam != null) {
            Digest digest = Digest.parse(digestParam);
            call.blocking(() -> intake.receive(repo, call.body, digest)).onSuccess(ref -> created(call, ref)).onFailure(call::fail);
            return;
        }
        newSession(call);
    }

    private void newSession(OciCall call) {
        Long tokenId = call.viewer.tokenId();
        call.blocking(() -> uploads.start(call.repository(), tokenId)).onSuccess(s -> {
            call.body.discard();
            accepted(call, s, 202);
        }).onFailure(call::fail);
    }

    void status(OciCall call) {
        auth.requirePush(call.viewer, call.repository());
        call.blocking(() -> uploads.get(call.repository(), call.path.reference()))
                .onSuccess(s -> accepted(call, s, 204)).onFailure(call::fail);
    }

    void patch(OciCall call) {
        auth.requirePush(call.viewer, call.repository());
        String contentRange = call.request().getHeader("Content-Range");
        call.blocking(() -> {
            Uploads.Session s = uploads.get(call.repository(), call.path.reference());
            checkRange(call, s, contentRange);
            return intake.appendChunk(s, limited(call, contentRange));
        }).onSuccess(s -> accepted(call, s, 202)).onFailure(call::fail);
    }

    void put(OciCall call) {
        auth.requirePush(call.viewer, call.repository());
        String digestParam = call.query("digest");
        if (digestParam == null) {
            throw new OciException(OciError.DIGEST_INVALID, "finish an upload with PUT ...?digest=<digest of all its bytes>");
        }
        Digest digest = Digest.parse(digestParam);
        String contentRange = call.request().getHeader("Content-Range");
        call.blocking(() -> {
            Uploads.Session s = uploads.get(call.repository(), call.path.reference());
            checkRange(call, s, contentRange);
            return intake.complete(s, limited(call, contentRange), digest);
        }).onSuccess(ref -> created(call, ref)).onFailure(call::fail);
    }

    void cancel(OciCall call) {
        auth.requirePush(call.viewer, call.repository());
        call.blocking(() -> {
            intake.discard(uploads.get(call.repository(), call.path.reference()));
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
            public int read() throws java.io.IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
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
