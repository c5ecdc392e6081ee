package dev.extfarm.fetcher.install;

import dev.extfarm.bundle.FileTrees;
import dev.extfarm.fetcher.report.FetchException;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The shape of every change to a node's bundles, whatever the layout puts where ({@link
 * SharedInstaller} renames files into PostgreSQL's directories, {@link PrefixInstaller} swaps one
 * link per bundle): the {@link Journal} is written before the first visible change; the previous
 * version's markers go before any of its files is replaced; the new files are staged beside their
 * places (journal {@code prepared}: a failure there rolls back, and the previous version stays
 * whole, markers included); the journal turns {@code committing}; the layout puts the new state in
 * place; the record and the markers are written together; the journal is deleted. After a crash,
 * {@link #recover} completes a {@code committing} journal and rolls back a {@code prepared} one. One
 * lock serialises every change of an installer.
 */
final class JournaledChanges {

    /** What a layout does at each point. Every step is idempotent: recovery may run it again after a crash inside it. */
    interface Steps {
        /** Puts the journal's new state in place: its renames or link, and removes what the new state no longer has. */
        void place(Journal j) throws IOException;

        /** Undoes a {@code prepared} journal: only what it staged exists, nothing of the previous version was touched. */
        void discard(Journal j) throws IOException;

        /** Once the record is written: what the previous version leaves behind (prefix mode: its store directory). */
        default void cleanUp(Journal j) throws IOException {
        }

        /** Once recovery handled every journal: what no record refers to any more (prefix mode: unlinked store directories). */
        default void sweep() throws IOException {
        }
    }

    /** Writes the new version's files beside their places, without touching the previous version's. */
    interface Staging {
        void stage() throws IOException;
    }

    private final NodeState state;
    private final Markers markers;
    private final Steps steps;
    private final Object lock = new Object();

    JournaledChanges(NodeState state, Markers markers, Steps steps) {
        this.state = state;
        this.markers = markers;
        this.steps = steps;
    }

    /** The installer's one lock: held by every change, and by what reads the records to plan one. */
    Object lock() {
        return lock;
    }

    Markers markers() {
        return markers;
    }

    /** Completes or rolls back what a crash interrupted, empties staging; returns one line per journal (and listing) handled. */
    List<String> recover() throws IOException {
        List<String> done = new ArrayList<>();
        synchronized (lock) {
            done.addAll(state.recoveredListings());
            for (Journal j : Journal.pending(state)) {
                if (Journal.COMMITTING.equals(j.phase())) {
                    commit(j);
                    done.add("completed the interrupted " + j.op() + " of " + label(j));
                } else {
                    rollback(j);
                    done.add("rolled back the interrupted " + j.op() + " of " + label(j));
                }
            }
            steps.sweep();
            FileTrees.deleteRecursively(state.stagingDir());
            Files.createDirectories(state.stagingDir());
        }
        return done;
    }

    /**
     * A change that stages files first: {@code prepared} is written, the previous version's markers
     * removed, {@code staging} run; any failure so far rolls back (the previous version is whole
     * again). Then {@code committing}, and the change completes (or the next start completes it).
     */
    void install(Journal prepared, String label, Staging staging) throws FetchException {
        synchronized (lock) {
            Journal j = prepared;
            try {
                j.save(state);
            } catch (IOException io) {
                throw failure("writing the journal of " + label, io);
            }
            try {
                if (j.previous() != null) {
                    markers.remove(j.previous());
                }
                staging.stage();
                j = j.withPhase(Journal.COMMITTING);
                j.save(state);
            } catch (IOException io) {
                try {
                    rollback(j);
                } catch (IOException again) {
                    io.addSuppressed(again);
                }
                throw failure("staging the files of " + label, io);
            }
            try {
                commit(j);
            } catch (IOException io) {
                throw failure("installing " + label + " (the next start completes it from the journal)", io);
            }
        }
    }

    /** A change with nothing to stage (a removal, a listing's link): written {@code committing} at once, then completed. */
    void apply(Journal committing, String what) throws FetchException {
        synchronized (lock) {
            try {
                committing.save(state);
                if (committing.previous() != null) {
                    markers.remove(committing.previous());
                }
                commit(committing);
            } catch (IOException io) {
                throw failure(what + " (the next start completes it from the journal)", io);
            }
        }
    }

    /** Roll forward. */
    private void commit(Journal j) throws IOException {
        steps.place(j);
        if (j.record() != null) {
            // the record and the markers synced together (a crash before the journal is deleted replays this step)
            state.put(j.record(), j.record().installed() ? markers.files(j.record()) : Map.of());
        } else {
            if (j.previous() != null) {
                markers.remove(j.previous());
            }
            state.remove(j.bundle());
        }
        steps.cleanUp(j);
        Journal.delete(state, j.bundle());
    }

    /** Roll back: only staged files exist; the previous version's files were not touched, its markers come back. */
    private void rollback(Journal j) throws IOException {
        steps.discard(j);
        if (j.previous() != null && j.previous().installed()) {
            markers.write(j.previous());
        }
        Journal.delete(state, j.bundle());
    }

    private static String label(Journal j) {
        return j.record() != null ? j.record().label() : j.previous() != null ? j.previous().label() : j.bundle();
    }

    /** An installer's I/O failure: {@code no-space} when the disk is full, {@code install-failed} otherwise. */
    static FetchException failure(String what, IOException io) {
        boolean full = String.valueOf(io.getMessage()).contains("No space left");
        return new FetchException(full ? FetchException.Kind.NO_SPACE : FetchException.Kind.UNAVAILABLE,
                full ? "no-space" : "install-failed", what + " failed: " + io, io);
    }
}
