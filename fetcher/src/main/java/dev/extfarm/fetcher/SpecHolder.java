package dev.extfarm.fetcher;

import dev.extfarm.fetcher.install.AtomicFiles;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.fetcher.report.Log;
import dev.extfarm.fetcher.spec.SpecReader;
import dev.extfarm.protocol.ComputeSpec;
import dev.extfarm.fetcher.spec.SpecSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The current compute spec. Each spec read is kept in {@code <state>/spec.json}, so a node whose
 * registry is unreachable at boot still starts from its last spec (and its cache).
 */
final class SpecHolder {

    private final SpecSource source;
    private final Path saved;
    private final Log log;
    private volatile ComputeSpec current;
    private volatile Instant loadedAt;
    private volatile String lastError;

    SpecHolder(SpecSource source, Path saved, Log log) {
        this.source = source;
        this.saved = saved;
        this.log = log;
    }

    ComputeSpec current() {
        return current;
    }

    Instant loadedAt() {
        return loadedAt;
    }

    String lastError() {
        return lastError;
    }

    SpecSource source() {
        return source;
    }

    ComputeSpec loadAtStart() throws FetchException {
        try {
            return reload();
        } catch (FetchException e) {
            if (!Files.exists(saved)) {
                throw e;
            }
            log.info(e.getMessage() + "; starting from the last spec read, " + saved);
            try {
                current = SpecReader.parse(Files.readAllBytes(saved), saved.toString());
            } catch (IOException io) {
                throw e;
            }
            return current;
        }
    }

    synchronized ComputeSpec reload() throws FetchException {
        ComputeSpec spec;
        byte[] json;
        try {
            json = source.read();
            spec = SpecReader.parse(json, source.describe());
        } catch (FetchException e) {
            lastError = e.getMessage();
            throw e;
        }
        current = spec;
        loadedAt = Instant.now();
        lastError = null;
        try {
            AtomicFiles.write(saved, json);
        } catch (IOException e) {
            log.info("cannot keep the spec in " + saved + ": " + e.getMessage());
        }
        return spec;
    }
}
