package dev.extfarm.fetcher.spec;

import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.protocol.ComputeSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Where the compute spec comes from: the registry (with a compute token) or a file. */
public interface SpecSource {

    /** The spec's JSON as read (kept as it is in the node's state: no second serialisation). */
    byte[] read() throws FetchException;

    default ComputeSpec load() throws FetchException {
        return SpecReader.parse(read(), describe());
    }

    /** Whether loading again can give fresh links (a file cannot). */
    boolean issuesLinks();

    String describe();

    static SpecSource file(Path file) {
        return new SpecSource() {
            @Override
            public byte[] read() throws FetchException {
                try {
                    return Files.readAllBytes(file);
                } catch (IOException e) {
                    throw new FetchException(FetchException.Kind.INVALID, "spec-unreadable",
                            "cannot read the compute spec " + file + ": " + e.getMessage());
                }
            }

            @Override
            public boolean issuesLinks() {
                return false;
            }

            @Override
            public String describe() {
                return file.toString();
            }
        };
    }

    /** {@code GET <url>} with {@code Authorization: Bearer <token>}; the URL carries {@code ?pg=&platform=}. */
    static SpecSource registry(HttpClient http, URI url, String token, Duration timeout) {
        return new SpecSource() {
            @Override
            public byte[] read() throws FetchException {
                HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(timeout).header("Accept", "application/json");
                if (token != null && !token.isBlank()) {
                    req.header("Authorization", "Bearer " + token.strip());
                }
                HttpResponse<byte[]> resp;
                try {
                    resp = http.send(req.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                } catch (IOException e) {
                    throw new FetchException(FetchException.Kind.UPSTREAM, "registry-unreachable",
                            "cannot reach the registry at " + url + ": " + e, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FetchException(FetchException.Kind.UNAVAILABLE, "interrupted", "interrupted while reading the spec");
                }
                if (resp.statusCode() == 401 || resp.statusCode() == 403) {
                    throw new FetchException(FetchException.Kind.UPSTREAM, "spec-forbidden", "the registry refused the compute token ("
                            + resp.statusCode() + ") at " + url + ": " + Problems.detail(resp.body())
                            + "; check --token-file / EXTFARM_COMPUTE_TOKEN");
                }
                if (resp.statusCode() != 200) {
                    throw new FetchException(FetchException.Kind.UPSTREAM, "spec-unavailable", "the registry answered "
                            + resp.statusCode() + " for " + url + ": " + Problems.detail(resp.body()));
                }
                return resp.body();
            }

            @Override
            public boolean issuesLinks() {
                return true;
            }

            @Override
            public String describe() {
                return url.toString();
            }
        };
    }
}
