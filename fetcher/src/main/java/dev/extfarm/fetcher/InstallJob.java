package dev.extfarm.fetcher;

import dev.extfarm.bundle.FileTrees;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.fetcher.download.BundleFetch;
import dev.extfarm.fetcher.install.InstalledRecord;
import dev.extfarm.fetcher.install.PgLayout;
import dev.extfarm.fetcher.install.NodeFloors;
import dev.extfarm.fetcher.install.SystemLibraries;
import dev.extfarm.fetcher.queue.Job;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.fetcher.report.Log;
import dev.extfarm.protocol.ComputeSpec;
import dev.extfarm.fetcher.trust.SignatureCheck;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What one install job does: check the node's system libraries, fetch and verify the bundle
 * (reading a fresh spec once if its link expired), check the manifest against the spec and its
 * compatibility floors against the node's server and C library, and
 * install it, or, for a new version of a library PostgreSQL preloaded, only cache it and mark it
 * pending-restart.
 */
final class InstallJob {

    /** What a job reports about its bundle, and the one fact of the node it reads. */
    interface Reports {
        /** Was PostgreSQL started? A new version of a library it loaded by shared_preload_libraries then waits for a restart. */
        boolean postgresStarted();

        void failed(String bundle, FetchException e);

        /** Installed (or found installed): an earlier failure of the bundle is over. */
        void installed(String bundle);

        /** This version is in the cache, verified, and installs before PostgreSQL's next start. */
        void pendingRestart(ComputeSpec.Entry e);
    }

    private final Fetcher f;
    private final Reports reports;
    private final ExpiredLinks links;
    private final BundleFetch fetch;
    private final SystemLibraries systemLibraries;
    private final NodeFloors floors;
    private final SignatureCheck signatures;
    private final Log log;

    InstallJob(Fetcher f, Reports reports, ExpiredLinks links, BundleFetch fetch, SystemLibraries systemLibraries, NodeFloors floors,
               SignatureCheck signatures, Log log) {
        this.f = f;
        this.reports = reports;
        this.links = links;
        this.fetch = fetch;
        this.systemLibraries = systemLibraries;
        this.floors = floors;
        this.signatures = signatures;
        this.log = log;
    }

    /** The body of every install job. */
    Job.Outcome run(Job job) throws FetchException {
        ComputeSpec.Entry listed = f.specs().current().entry(job.bundle()).orElseThrow(() -> new FetchException(FetchException.Kind.NOT_FOUND,
                "not-in-spec", "'" + job.bundle() + "' is no longer in the compute spec"));
        if (!f.installable(listed)) {
            FetchException conflict = Fetcher.nameConflict(f.specs().current(), listed);
            reports.failed(listed.name(), conflict);
            throw conflict;
        }
        ComputeSpec.Entry e = job.target() == null ? f.wanted(listed) : listed.find(job.target()).orElseThrow(() -> new FetchException(
                FetchException.Kind.NOT_FOUND, "not-in-spec", "the version of '" + job.bundle() + "' asked for (sha-256 "
                + job.target().substring(0, 12) + "…) is no longer in the compute spec"));
        job.size(e.size());
        var rec = f.state().get(e.name());
        if (rec.isPresent() && rec.get().installed() && rec.get().sha256().equals(e.sha256()) && f.installer().markers().present(rec.get())
                && !f.installer().missingPluginCopies(rec.get())) {
            return new Job.Outcome(e.name(), e.version(), "already-installed", 0, true);
        }
        boolean defer = rec.isPresent() && rec.get().installed() && reports.postgresStarted()
                && e.libraries().stream().anyMatch(f.settings().preload().shared()::contains);
        try {
            systemLibraries.check(e.label(), e.systemLibraries());
            checkSignature(e); // before anything of the bundle is downloaded or unpacked
            Path dest = f.installer().stagingFor(e);
            boolean keepDest = false;
            try {
                BundleFetch.Staged st = fetchFresh(e, dest, job);
                BundleManifest m = st.bundle().manifest();
                if (!m.name().equals(e.name()) || !m.version().equals(e.version())) {
                    throw new FetchException(FetchException.Kind.UPSTREAM, "bundle-mismatch", "the bundle at the link of " + e.label()
                            + " is " + m.name() + " " + m.version() + "; nothing was installed");
                }
                systemLibraries.check(e.label(), m.systemLibraries());
                floors.check(e.label(), m.compatibility()); // the signed manifest's floors against this node's server and C library
                if (defer) {
                    reports.pendingRestart(e);
                    log.info(e.label() + " is in the cache and pending-restart: " + rec.get().label()
                            + " is loaded by shared_preload_libraries; 'fetch prepare' installs it before the next start");
                    f.trimCache();
                    return new Job.Outcome(e.name(), e.version(), "pending-restart", job.elapsedMillis(), st.fromCache());
                }
                long fetched = job.elapsedMillis();
                InstalledRecord installed = f.installer().install(e, st.bundle(), dest);
                keepDest = f.settings().layout().mode() == PgLayout.Mode.PREFIX;
                reports.installed(e.name());
                log.info("installed " + installed.label() + " (" + job.priority().id() + ", " + describe(st, job) + "; verified in "
                        + fetched + " ms, " + installed.files().size() + " files in place in " + (job.elapsedMillis() - fetched) + " ms)");
                if (!st.fromCache()) {
                    f.trimCache(); // after the install: a bundle now in use is kept
                }
                return new Job.Outcome(e.name(), e.version(), "installed", job.elapsedMillis(), st.fromCache());
            } finally {
                if (!keepDest) {
                    FileTrees.deleteRecursively(dest);
                }
            }
        } catch (FetchException ex) {
            reports.failed(e.name(), ex);
            log.info("failed: " + ex.describe());
            throw ex;
        } catch (IOException io) {
            FetchException ex = new FetchException(FetchException.Kind.UNAVAILABLE, "staging-failed", "staging " + e.label()
                    + " in " + f.state().stagingDir() + " failed: " + io, io);
            reports.failed(e.name(), ex);
            throw ex;
        }
    }

    /**
     * Refuses the entry unless its signature is trusted. A refused bundle that was only listed
     * (phase 1 placed its control files) is withdrawn, so that nothing of it stays on disk; an
     * installed earlier version stays.
     */
    private void checkSignature(ComputeSpec.Entry e) throws FetchException {
        try {
            links.follow(e, (spec, entry) -> {
                signatures.check(spec, entry);
                return null;
            });
        } catch (FetchException refused) {
            var rec = f.state().get(e.name());
            if (refused.code().startsWith("signature-") && rec.isPresent() && !rec.get().installed()) {
                f.installer().remove(e.name());
            }
            throw refused;
        }
    }

    private BundleFetch.Staged fetchFresh(ComputeSpec.Entry e, Path dest, Job job) throws FetchException {
        Progress progress = new Progress(log, e, job);
        try {
            return links.follow(e, (spec, entry) -> fetch.fetch(entry, dest, job, progress));
        } finally {
            progress.done();
        }
    }

    private static String describe(BundleFetch.Staged st, Job job) {
        if (st.fromCache()) {
            return "from the cache in " + job.elapsedMillis() + " ms";
        }
        return Log.bytes(st.downloaded()) + " in " + job.elapsedMillis() + " ms"
                + (st.resumedFrom() > 0 ? ", resumed at byte " + st.resumedFrom() : "")
                + (st.reconnects() > 0 ? ", " + st.reconnects() + " reconnects" : "");
    }

}
