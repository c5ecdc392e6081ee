package dev.extfarm.registry.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.registry.catalog.Visibility;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Manifests ({@code GET|HEAD|PUT|DELETE /v2/<name>/manifests/<reference>}) and the listings:
 * tags ({@code /v2/<name>/tags/list}), repositories ({@code /v2/_catalog}) and referrers
 * ({@code /v2/<name>/referrers/<digest>}). Lists page with {@code n} and {@code last} and a
 * {@code Link: <...>; rel="next"} header; they follow the visibility rule. Repositories are those
 * of the catalog ({@link CatalogNames}); what a push may store is {@link PushRules}'s.
 */
@ApplicationScoped
public class ManifestRoutes {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    OciAuth auth;
    @Inject
    Manifests manifests;
    @Inject
    Visibility visibility;
    @Inject
    OciConfig config;

    void get(OciCall call) {
        String repo = call.repository();
        String reference = call.path.reference();
        call.blocking(() -> {
            auth.requireRead(call.viewer, repo);
            return manifests.get(repo, reference).orElseThrow(() -> OciException.manifestUnknown(repo, reference));
        })
                .onSuccess(m -> {
                    HttpServerResponse resp = call.response(200).putHeader("Content-Type", m.mediaType())
                            .putHeader("Docker-Content-Digest", m.digest().toString())
                            .putHeader("ETag", "\"" + m.digest() + "\"")
                            .putHeader("Content-Length", Integer.toString(m.content().length));
                    if (call.method() == HttpMethod.HEAD) {
                        resp.end();
                    } else {
                        resp.end(Buffer.buffer(m.content()));
                    }
                }).onFailure(call::fail);
    }

    void put(OciCall call) {
        String repo = call.repository();
        auth.requirePushRole(call.viewer, repo);
        String contentType = call.request().getHeader("Content-Type");
        String length = call.request().getHeader("Content-Length");
        if (length != null && Long.parseLong(length.strip()) > config.maxManifestSize()) {
            throw tooLarge();
        }
        call.blocking(() -> {
            auth.requirePush(call.viewer, repo);
            return manifests.put(repo, call.path.reference(), contentType, readManifest(call));
        })
                .onSuccess(p -> {
                    HttpServerResponse resp = call.response(201)
                            .putHeader("Location", "/v2/" + repo + "/manifests/" + p.digest())
                            .putHeader("Docker-Content-Digest", p.digest().toString()).putHeader("Content-Length", "0");
                    if (p.document().subject() != null) {
                        resp.putHeader("OCI-Subject", p.document().subject().digest().toString());
                    }
                    resp.end();
                }).onFailure(call::fail);
    }

    private byte[] readManifest(OciCall call) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        for (int n; (n = call.body.read(buf)) >= 0; ) {
            out.write(buf, 0, n);
            if (out.size() > config.maxManifestSize()) {
                throw tooLarge();
            }
        }
        return out.toByteArray();
    }

    private OciException tooLarge() {
        return new OciException(OciError.TOO_LARGE, "manifests may be at most " + config.maxManifestSize()
                + " bytes (extfarm.oci.max-manifest-size); nothing was stored").detail("limit", config.maxManifestSize());
    }

    void delete(OciCall call) {
        auth.requireDeleteRole(call.viewer, call.repository());
        call.blocking(() -> {
            auth.requireRead(call.viewer, call.repository());
            manifests.delete(call.repository(), call.path.reference());
            return null;
        }).onSuccess(v -> call.response(202).putHeader("Content-Length", "0").end()).onFailure(call::fail);
    }

    void tags(OciCall call) {
        String repo = call.repository();
        String last = call.query("last");
        call.blocking(() -> {
            auth.requireRead(call.viewer, repo);
            return manifests.tags(repo, pageSize(call), last);
        }).onSuccess(page -> {
            ObjectNode body = JSON.createObjectNode().put("name", repo);
            page.names().forEach(body.putArray("tags")::add);
            sendPage(call, body, page, pageSize(call), "/v2/" + repo + "/tags/list");
        }).onFailure(call::fail);
    }

    void catalog(OciCall call) {
        int n = pageSize(call);
        String last = call.query("last");
        var hidden = visibility.hiddenFrom(call.viewer);
        call.blocking(() -> manifests.repositories(hidden, n, last)).onSuccess(page -> {
            ObjectNode body = JSON.createObjectNode();
            page.names().forEach(body.putArray("repositories")::add);
            sendPage(call, body, page, n, "/v2/_catalog");
        }).onFailure(call::fail);
    }

    private int pageSize(OciCall call) {
        String n = call.query("n");
        if (n == null) {
            return config.maxPageSize();
        }
        try {
            int v = Integer.parseInt(n.strip());
            if (v < 0) {
                throw new NumberFormatException();
            }
            return Math.min(v, config.maxPageSize());
        } catch (NumberFormatException e) {
            throw new OciException(OciError.UNSUPPORTED, "n must be a number >= 0, was '" + n + "'");
        }
    }

    private static void sendPage(OciCall call, ObjectNode body, Manifests.Page page, int n, String path) {
        HttpServerResponse resp = call.response(200).putHeader("Content-Type", "application/json");
        if (page.more() && !page.names().isEmpty()) {
            String last = page.names().get(page.names().size() - 1);
            resp.putHeader("Link", "<" + path + "?n=" + n + "&last=" + URLEncoder.encode(last, StandardCharsets.UTF_8)
                    + ">; rel=\"next\"");
        }
        resp.end(body.toString());
    }

    void referrers(OciCall call) {
        String repo = call.repository();
        String artifactType = call.query("artifactType");
        call.blocking(() -> {
            auth.requireRead(call.viewer, repo);
            return manifests.referrers(repo, Digest.parse(call.path.reference()), artifactType);
        }).onSuccess(list -> {
            ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", ManifestDocument.OCI_INDEX);
            var arr = index.putArray("manifests");
            for (Manifests.Referrer r : list) {
                ObjectNode d = arr.addObject().put("mediaType", r.mediaType()).put("digest", r.digest()).put("size", r.size());
                if (r.artifactType() != null) {
                    d.put("artifactType", r.artifactType());
                }
                if (r.annotations() != null) {
                    try {
                        d.set("annotations", JSON.readTree(r.annotations()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
            HttpServerResponse resp = call.response(200).putHeader("Content-Type", ManifestDocument.OCI_INDEX);
            if (artifactType != null) {
                resp.putHeader("OCI-Filters-Applied", "artifactType");
            }
            resp.end(index.toString());
        }).onFailure(call::fail);
    }

}
