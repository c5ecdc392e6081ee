package dev.extfarm.fetcher.install;

import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.protocol.ComputeSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Puts verified, staged bundles into a PostgreSQL installation, atomically per bundle. */
public interface Installer {

    static Installer forLayout(PgLayout layout, NodeState state) throws IOException {
        return layout.mode() == PgLayout.Mode.SHARED ? new SharedInstaller(layout, state) : new PrefixInstaller(layout, state);
    }

    /** Rolls back or completes what a crash interrupted, empties staging; returns one line per journal handled. */
    List<String> recover() throws IOException;

    /** Phase 1: a bundle's control files alone (no marker), unless a version of it is installed. */
    void publishControls(ComputeSpec.Entry entry, Map<String, byte[]> controls) throws FetchException;

    /** One bundle's control files, fetched in phase 1. */
    record Listing(ComputeSpec.Entry entry, Map<String, byte[]> controls) {
    }

    /**
     * Phase 1 for many bundles; returns why each refused one was refused (bundle name → error),
     * the others are listed. This default lists them one at a time.
     */
    default Map<String, FetchException> publishControls(List<Listing> listings) {
        Map<String, FetchException> refused = new LinkedHashMap<>();
        for (Listing l : listings) {
            try {
                publishControls(l.entry(), l.controls());
            } catch (FetchException e) {
                refused.put(l.entry().name(), e);
            }
        }
        return refused;
    }

    /** A fresh path (not existing yet) to unpack this entry into. */
    Path stagingFor(ComputeSpec.Entry entry) throws IOException;

    /** Installs the unpacked bundle; on any failure the previous state (other version or none) stays whole. */
    InstalledRecord install(ComputeSpec.Entry entry, VerifiedBundle bundle, Path tree) throws FetchException;

    /** Removes a bundle (installed or only its controls); absent is fine. */
    void remove(String bundle) throws FetchException;

    /** What is wrong with an installed bundle on disk (missing or changed files, missing markers); empty = whole. */
    List<String> problems(InstalledRecord record);

    Markers markers();

    NodeState state();

    PgLayout layout();

    /** Is this control file or library present on disk without being ours (PostgreSQL's own, e.g. contrib)? */
    boolean providedBySystem(String control, boolean library);

    /**
     * A library a connection names in local_preload_libraries (PostgreSQL loads those only from
     * {@code $libdir/plugins/}): from now on its bundle is installed there too (shared mode).
     */
    default void addPluginLibrary(String library) throws IOException {
    }

    /** Does this installed bundle lack the {@code $libdir/plugins/} copies a local_preload_libraries library needs? */
    default boolean missingPluginCopies(InstalledRecord record) {
        return false;
    }

    /** Called whenever the spec changes (prefix mode writes its configuration include). */
    default void specChanged(ComputeSpec spec) throws IOException {
    }
}
