package dev.extfarm.fetcher;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.fetcher.download.BundleCache;
import dev.extfarm.fetcher.download.BundleFetch;
import dev.extfarm.fetcher.download.ControlFetch;
import dev.extfarm.fetcher.download.DownloadSettings;
import dev.extfarm.fetcher.download.StagingQuota;
import dev.extfarm.fetcher.download.Throttle;
import dev.extfarm.fetcher.endpoint.Service;
import dev.extfarm.fetcher.http.LazyHttpClient;
import dev.extfarm.fetcher.install.InstalledRecord;
import dev.extfarm.fetcher.install.Installer;
import dev.extfarm.fetcher.install.NodeState;
import dev.extfarm.fetcher.install.PgLayout;
import dev.extfarm.fetcher.install.NodeFloors;
import dev.extfarm.fetcher.install.SystemLibraries;
import dev.extfarm.fetcher.queue.Job;
import dev.extfarm.fetcher.queue.Priority;
import dev.extfarm.fetcher.queue.Scheduler;
import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.fetcher.report.Log;
import dev.extfarm.protocol.ComputeSpec;
import java.io.IOException;
import java.net.http.HttpClient;
import dev.extfarm.fetcher.trust.SignatureCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The compute-side fetcher for one PostgreSQL installation. {@link #prepare()} runs phases 1
 * (control files of every spec extension) and 2 (shared-preload bundles and what they require)
 * and returns: PostgreSQL may start. {@link #startBackground()} then runs phase 3 (session/local
 * preload, extensions already created) and phase 4 (the rest, bandwidth-limited) and re-reads the
 * spec on a timer. {@link #requestExtension} and {@link #requestLibrary} install on demand, ahead
 * of everything else.
 */
public final class Fetcher implements AutoCloseable, Service {

    private final FetcherSettings settings;
    private final Log log;
    private final NodeState state;
    private final Installer installer;
    private final BundleFetch fetch;
    private final ControlFetch controls;
    private final Throttle throttle;
    private final Scheduler scheduler;
    private final SystemLibraries systemLibraries;
    private final SpecHolder specs;
    private final LazyHttpClient http;
    private final BundleCache cache;
    /** What the install jobs report: failures, versions pending a restart; and whether PostgreSQL was started. */
    private final BundleStatus status = new BundleStatus();
    final Map<String, String> kept = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fetch-refresh");
        t.setDaemon(true);
        return t;
    });
    volatile int phase;
    volatile boolean ready;
    /** When pg_extfarm said that PostgreSQL accepts connections (null: not yet, or no module). */
    volatile Instant postgresAcceptingAt;
    volatile boolean backgroundStarted;
    volatile boolean backgroundDone;
    private final CompletableFuture<String> postgresAccepting = new CompletableFuture<>();
    private final CompletableFuture<Void> background = new CompletableFuture<>();

    public Fetcher(FetcherSettings settings, Log log) throws IOException {
        this.settings = settings;
        this.log = log;
        DownloadSettings.preferLargeHttpBuffers(); // before the first client is built (read once by the JDK)
        // built on the first request, TLS on the first https connection (both cost a short-lived start)
        this.http = LazyHttpClient.create(settings.download().timeout(), HttpClient.Version.HTTP_1_1);
        NodeState.warmUpInBackground();
        this.state = new NodeState(settings.stateDir());
        // local_preload_libraries load only from $libdir/plugins/: the layout installs their bundles there too
        this.installer = Installer.forLayout(settings.layout().withPluginLibraries(settings.preload().local()), state);
        this.cache = new BundleCache(settings.cacheDir(), settings.cacheLimit());
        this.throttle = new Throttle(settings.bandwidth());
        StagingQuota quota = new StagingQuota(settings.stagingQuota(), List.of(state.stagingDir(), cache.partialDir()));
        this.fetch = new BundleFetch(http, settings.download(), throttle, cache, quota, BundleReader.withDefaults().withReadAheadThread());
        this.controls = new ControlFetch(http, settings.download());
        this.systemLibraries = new SystemLibraries(settings.ldconfig(), settings.systemLibDirs());
        this.specs = new SpecHolder(settings.spec(), state.root().resolve("spec.json"), log);
        SignatureCheck signatures = new SignatureCheck(http, settings.trust(), settings.download().timeout(), log);
        NodeFloors floors = new NodeFloors(settings.postgresBinary(), settings.ldconfig(), log::info);
        this.scheduler = new Scheduler(new InstallJob(this, status, new ExpiredLinks(specs, settings.spec().issuesLinks(), log), fetch,
                systemLibraries, floors, signatures, log)::run, throttle,
                settings.concurrency());
    }

    public NodeState state() {
        return state;
    }

    public Installer installer() {
        return installer;
    }

    public ComputeSpec spec() {
        return specs.current();
    }

    FetcherSettings settings() {
        return settings;
    }

    SpecHolder specs() {
        return specs;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    LazyHttpClient http() {
        return http;
    }

    /** Finishes or rolls back installs a crash interrupted. Runs before anything else. */
    public List<String> recover() throws IOException {
        List<String> done = installer.recover();
        done.forEach(d -> log.info("recovery: " + d));
        return done;
    }

    /** Phases 1 and 2; when it returns, PostgreSQL can start. */
    public void prepare() throws FetchException {
        try {
            recover();
        } catch (IOException e) {
            throw new FetchException(FetchException.Kind.UNAVAILABLE, "recovery-failed", "cannot recover the journal in "
                    + state.journalDir() + ": " + e.getMessage(), e);
        }
        ComputeSpec spec = specs.loadAtStart();
        specChanged(spec);
        removeLost(spec);
        List<ComputeSpec.Entry> preload = sharedPreloadBundles(spec);
        phase = 1;
        log.info("phase 1: control files of " + spec.extensions().size() + " bundles into " + settings.layout().describe());
        // phase 2's downloads start now, beside phase 1's control files (their own control files come with them)
        log.info("phase 2: shared_preload_libraries " + settings.preload().shared() + " -> bundles "
                + preload.stream().map(ComputeSpec.Entry::name).toList());
        List<Job> phase2 = preload.stream().map(e -> scheduler.submit(e.name(), Priority.SHARED_PRELOAD)).toList();
        publishControls(spec.installable().stream().filter(e -> !preload.contains(e)).toList());
        phase = 2;
        awaitAll(phase2, Duration.ofHours(1));
        trimCache(); // a limit lowered since the last start
        ready = true;
        log.info("ready to start PostgreSQL");
    }

    /**
     * Phases 3 and 4 in the background, and the refresh timer. PostgreSQL is assumed to be starting
     * from now on; phase 4 begins once it accepts connections ({@link #postgresAccepting}) or after
     * {@code backgroundHold}.
     */
    public CompletableFuture<Void> startBackground() {
        status.markPostgresStarted();
        ComputeSpec spec = specs.current();
        phase = 3;
        Set<String> created = createdExtensions();
        List<ComputeSpec.Entry> p3 = new ArrayList<>();
        for (String lib : concat(settings.preload().session(), settings.preload().local())) {
            spec.providerOfLibrary(lib).filter(this::installable).ifPresent(p3::add);
        }
        for (String ext : created) {
            spec.providerOfExtension(ext).filter(this::installable).ifPresent(p3::add);
        }
        p3.addAll(roleAndDatabasePreloadBundles());
        List<ComputeSpec.Entry> phase3 = closureOf(p3);
        log.info("phase 3: session/local preload " + concat(settings.preload().session(), settings.preload().local())
                + " and created extensions " + created + " -> bundles " + phase3.stream().map(ComputeSpec.Entry::name).toList());
        List<CompletableFuture<Job.Outcome>> f3 = phase3.stream().map(e -> scheduler.submit(e.name(), Priority.PRELOAD).done()).toList();
        // Phase 4 also waits for PostgreSQL to accept connections: on a small node its downloads,
        // unpacking and syncs would otherwise compete with PostgreSQL's own start for the CPU and
        // the disk, and the node is ready later than with no background work at all.
        CompletableFuture.allOf(f3.toArray(CompletableFuture[]::new))
                .thenCompose(v -> holdForPostgres())
                .handle((why, t) -> {
            phase = 4;
            backgroundStarted = true;
            settleListings();
            List<ComputeSpec.Entry> rest = specs.current().installable();
            log.info("phase 4: " + rest.size() + " bundles in the background (concurrency " + settings.concurrency()
                    + (settings.bandwidth() > 0 ? ", " + Log.bytes(settings.bandwidth()) + "/s" : "") + "; " + why + ")");
            List<CompletableFuture<Job.Outcome>> f4 = rest.stream()
                    .map(e -> scheduler.submit(e.name(), Priority.BACKGROUND).done()).toList();
            CompletableFuture.allOf(f4.toArray(CompletableFuture[]::new)).handle((v2, t2) -> {
                backgroundDone = true;
                log.info("background: done (" + status.failures() + " failed)");
                background.complete(null);
                return null;
            });
            return null;
        });
        if (!settings.refresh().isZero()) {
            long ms = settings.refresh().toMillis();
            timer.scheduleWithFixedDelay(() -> {
                try {
                    refresh();
                } catch (FetchException e) {
                    log.info("refresh: " + e.getMessage());
                } catch (RuntimeException e) {
                    log.info("refresh failed unexpectedly: " + e);
                }
            }, ms, ms, TimeUnit.MILLISECONDS);
        }
        return background;
    }

    /**
     * The bundles providing the libraries that roles and databases preload ({@code ALTER ROLE /
     * DATABASE ... SET session_preload_libraries / local_preload_libraries}), read through {@code
     * --psql} when PostgreSQL runs; the local ones also go into {@code $libdir/plugins/}. Empty
     * without {@code --psql} or while PostgreSQL cannot be reached (pg_extfarm fetches them when
     * they are set, and holds the connections whose own options name them).
     */
    private List<ComputeSpec.Entry> roleAndDatabasePreloadBundles() {
        if (settings.psql() == null || !status.postgresStarted()) {
            return List.of();
        }
        FetcherSettings.Preload p;
        try {
            p = settings.psql().roleAndDatabasePreload();
        } catch (IOException e) {
            log.info("cannot read the preload settings of roles and databases (pg_db_role_setting): " + e.getMessage());
            return List.of();
        }
        ComputeSpec spec = specs.current();
        List<ComputeSpec.Entry> out = new ArrayList<>();
        for (String lib : concat(p.session(), p.local())) {
            var provider = spec.providerOfLibrary(lib).filter(this::installable);
            if (provider.isEmpty()) {
                continue;
            }
            if (p.local().contains(lib)) {
                try {
                    installer.addPluginLibrary(lib);
                } catch (IOException e) {
                    log.info("cannot record '" + lib + "' as a local_preload_libraries library: " + e.getMessage());
                }
            }
            out.add(provider.get());
        }
        if (!out.isEmpty()) {
            log.info("roles and databases preload " + concat(p.session(), p.local()) + " -> bundles "
                    + out.stream().map(ComputeSpec.Entry::name).distinct().toList());
        }
        return out;
    }

    /** Why phase 4 may start: PostgreSQL accepts connections, or the hold ran out. */
    private CompletableFuture<String> holdForPostgres() {
        Duration hold = settings.backgroundHold();
        if (hold.isZero() || postgresAccepting.isDone()) {
            return CompletableFuture.completedFuture(postgresAccepting.getNow("no hold"));
        }
        log.info("phase 4 waits until PostgreSQL accepts connections (pg_extfarm reports it), at most " + hold.toMillis() + " ms");
        return postgresAccepting.completeOnTimeout("no word from PostgreSQL within " + hold.toMillis() + " ms", hold.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * pg_extfarm's background worker reports that PostgreSQL accepts connections
     * ({@code POST /postgres/started}, once per postmaster start): phase 4 may begin.
     */
    @Override
    public Map<String, Object> postgresAccepting(String detail) {
        boolean first = postgresAcceptingAt == null;
        postgresAcceptingAt = Instant.now();
        log.info("PostgreSQL accepts connections (" + detail + ")" + (backgroundStarted ? "" : first ? "; phase 4 may start" : ""));
        postgresAccepting.complete("PostgreSQL accepts connections");
        if (settings.psql() != null) {
            // the preload settings of roles and databases can be read now (phase 3 ran while PostgreSQL was starting)
            CompletableFuture.runAsync(() -> closureOf(roleAndDatabasePreloadBundles())
                    .forEach(e -> scheduler.submit(e.name(), Priority.PRELOAD)), timer);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("phase", phase);
        out.put("background_started", backgroundStarted);
        return out;
    }

    /**
     * Installs the bundle carrying this extension (and what it requires) now, ahead of everything
     * else, and records the extension as created on this node (the PostgreSQL-side module asks on
     * {@code CREATE EXTENSION}), so a spec refresh never removes it under a database.
     */
    @Override
    public Result requestExtension(String control, Duration timeout) throws FetchException {
        return requestExtension(control, timeout, true);
    }

    /** As {@link #requestExtension(String, Duration)}; {@code created = false} for an operator's install. */
    public Result requestExtension(String control, Duration timeout, boolean created) throws FetchException {
        ComputeSpec spec = requireSpec();
        var entry = spec.providerOfExtension(control);
        if (entry.isPresent() && !installable(entry.get())) {
            var carrier = state.carrierOf(control);
            if (carrier.isPresent() && carrier.get().installed() && installer.markers().present(carrier.get())) {
                return new Result(control, carrier.get().name(), carrier.get().version(), "installed", 0, false); // installed before the conflict
            }
            throw nameConflict(spec, entry.get());
        }
        if (entry.isEmpty()) {
            var carrier = state.carrierOf(control);
            if (carrier.isPresent() && carrier.get().installed()) {
                return new Result(control, carrier.get().name(), carrier.get().version(), "installed", 0, false);
            }
            if (installer.providedBySystem(control, false)) {
                return new Result(control, null, null, "system", 0, false);
            }
            throw new FetchException(FetchException.Kind.NOT_FOUND, "not-in-spec", "extension '" + control
                    + "' is not in the compute spec of tenant '" + spec.tenant() + "' (" + spec.extensions().size()
                    + " bundles) and not installed on this node; ask an admin to grant it, then retry");
        }
        // recorded while the download runs (a durable write: not ahead of it on the urgent path), before the answer
        return install(control, entry.get(), timeout, () -> {
            try {
                if (created) {
                    state.markCreated(control);
                }
            } catch (IOException e) {
                log.info("cannot update " + state.root().resolve("created.json") + ": " + e.getMessage());
            }
        });
    }

    /**
     * An operator's {@code install a b c}: as {@link #requestExtension(String, Duration, boolean)} for
     * each, {@code concurrency} at a time (2 by default: a node's image build or an init container
     * installs several); each success is handed to {@code done} in the order asked,
     * and the first failure in that order is thrown once all have ended.
     */
    public void requestExtensions(List<String> controls, Duration timeout, Consumer<Result> done) throws FetchException {
        int parallel = Math.min(controls.size(), settings.concurrency());
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel), r -> {
            Thread t = new Thread(r, "fetch-install");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Result>> pending = new ArrayList<>();
            for (String c : controls) {
                pending.add(pool.submit(() -> requestExtension(c, timeout, false)));
            }
            FetchException first = null;
            for (Future<Result> f : pending) {
                try {
                    done.accept(f.get());
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof FetchException fe ? fe : new FetchException(FetchException.Kind.UNAVAILABLE,
                                "internal", "install failed: " + e.getCause(), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new FetchException(FetchException.Kind.UNAVAILABLE, "interrupted", "interrupted while installing " + controls);
                }
            }
            if (first != null) {
                throw first;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Installs the bundle whose manifest lists this library ({@code LOAD}, a preload setting). */
    public Result requestLibrary(String library, Duration timeout) throws FetchException {
        return requestLibrary(library, timeout, false);
    }

    /**
     * As {@link #requestLibrary(String, Duration)}; {@code localPreload}: a connection names it in
     * local_preload_libraries (pg_extfarm says so), so its bundle also goes into {@code $libdir/plugins/},
     * now (an installed bundle gets the copies it lacks) and for every later version.
     */
    @Override
    public Result requestLibrary(String library, Duration timeout, boolean localPreload) throws FetchException {
        String name = FetcherSettings.libraryName(library);
        ComputeSpec spec = requireSpec();
        var entry = spec.providerOfLibrary(name);
        if (entry.isPresent() && !installable(entry.get())) {
            for (InstalledRecord r : state.all()) {
                if (r.installed() && r.libraries().contains(name) && installer.markers().present(r)) {
                    return new Result(name, r.name(), r.version(), "installed", 0, false);
                }
            }
            throw nameConflict(spec, entry.get());
        }
        if (entry.isPresent() && localPreload) {
            try {
                installer.addPluginLibrary(name);
            } catch (IOException e) {
                throw new FetchException(FetchException.Kind.UNAVAILABLE, "state-unwritable", "cannot record '" + name
                        + "' as a local_preload_libraries library in " + state.root() + ": " + e.getMessage(), e);
            }
        }
        if (entry.isEmpty()) {
            for (InstalledRecord r : state.all()) {
                if (r.installed() && r.libraries().contains(name)) {
                    return new Result(name, r.name(), r.version(), "installed", 0, false);
                }
            }
            if (installer.providedBySystem(name, true)) {
                return new Result(name, null, null, "system", 0, false);
            }
            throw new FetchException(FetchException.Kind.NOT_FOUND, "not-in-spec", "no bundle in the compute spec of tenant '"
                    + spec.tenant() + "' provides the library '" + name + "', and it is not installed on this node");
        }
        return install(name, entry.get(), timeout, () -> { });
    }

    private ComputeSpec requireSpec() throws FetchException {
        ComputeSpec spec = specs.current();
        if (spec == null) {
            throw new FetchException(FetchException.Kind.UNAVAILABLE, "starting", "the fetcher has not read the compute spec yet"
                    + (specs.lastError() == null ? "" : ": " + specs.lastError()) + "; retry in a moment");
        }
        return spec;
    }

    /** What an on-demand request got. {@code state}: installed, pending-restart (older version active), system. */
    public record Result(String name, String bundle, String version, String state, long millis, boolean pendingRestart)
            implements Service.Installed {
    }

    /** {@code whileWaiting} runs once the jobs are submitted (or at once when there is nothing to install). */
    private Result install(String asked, ComputeSpec.Entry entry, Duration timeout, Runnable whileWaiting) throws FetchException {
        return install(asked, entry, null, timeout, whileWaiting);
    }

    /**
     * Installs the version the spec wants ({@code target} null, see {@link #wanted}) or this one of
     * the entry's versions (a sha-256: an explicit update), with its requirements first.
     */
    private Result install(String asked, ComputeSpec.Entry entry, String target, Duration timeout, Runnable whileWaiting) throws FetchException {
        long t0 = System.nanoTime();
        ComputeSpec.Entry goal = target == null ? wanted(entry) : entry.find(target).orElseThrow();
        var rec = state.get(entry.name());
        if (rec.isPresent() && rec.get().installed() && rec.get().sha256().equals(goal.sha256()) && installer.markers().present(rec.get())
                && !installer.missingPluginCopies(rec.get())) {
            whileWaiting.run();
            return new Result(asked, entry.name(), goal.version(), "installed", 0, false);
        }
        if (rec.isPresent() && rec.get().installed() && status.isPendingRestart(entry.name(), goal.sha256())) {
            whileWaiting.run();
            return new Result(asked, entry.name(), rec.get().version(), "pending-restart", 0, true);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ComputeSpec.Entry> closure = closureOf(List.of(goal));
        List<Job> jobs = new ArrayList<>();
        for (ComputeSpec.Entry e : closure) {
            jobs.add(e == goal && target != null ? submitVersion(e, target, deadline) : scheduler.submit(e.name(), Priority.URGENT));
        }
        whileWaiting.run();
        List<Job.Outcome> outcomes = awaitAll(jobs, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        Job.Outcome mine = outcomes.get(outcomes.size() - 1);
        boolean pending = "pending-restart".equals(mine.state());
        InstalledRecord now = state.get(entry.name()).orElse(null);
        return new Result(asked, entry.name(), now == null ? goal.version() : now.version(), pending ? "pending-restart" : "installed",
                (System.nanoTime() - t0) / 1_000_000, pending);
    }

    /** An urgent job for this version of the bundle; a job for another version of it (say, phase 4's) is waited for first. */
    private Job submitVersion(ComputeSpec.Entry e, String target, long deadline) throws FetchException {
        while (true) {
            Job j = scheduler.submit(e.name(), Priority.URGENT, target);
            if (target.equals(j.target())) {
                return j;
            }
            try {
                j.done().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException failed) {
                // that version failed: ours may still install
            } catch (TimeoutException t) {
                throw new FetchException(FetchException.Kind.TIMEOUT, "timeout", "'" + e.name() + "' " + e.version()
                        + " waits for another version of it to finish installing; ask again");
            } catch (InterruptedException i) {
                Thread.currentThread().interrupt();
                throw new FetchException(FetchException.Kind.UNAVAILABLE, "interrupted", "interrupted while waiting for " + e.label());
            }
        }
    }

    /**
     * The version of a bundle this node keeps: the spec's entry, or a newer version of it listed in
     * the entry's {@code versions} that is installed (an explicit {@code ALTER EXTENSION … UPDATE TO}
     * put it there: the spec's own, older, version is not installed over it).
     */
    ComputeSpec.Entry wanted(ComputeSpec.Entry listed) {
        var rec = state.get(listed.name());
        if (rec.isEmpty() || !rec.get().installed() || rec.get().sha256().equals(listed.sha256())) {
            return listed;
        }
        String sha = rec.get().sha256();
        return listed.versions().stream().filter(v -> v.sha256().equals(sha)).findFirst().orElse(listed);
    }

    /**
     * {@code ALTER EXTENSION <control> UPDATE [TO <to>]} in a database where it is at {@code from}
     * (pg_extfarm asks before PostgreSQL looks for the update scripts). Without {@code to}: the spec
     * is read again (when older than {@value #UPDATE_SPEC_AGE_S} s) and the version it wants is
     * installed. With {@code to}: unless the installed version carries a path of update scripts
     * from {@code from} to {@code to}, the version of the bundle that carries one (the entry or one
     * of its newer {@code versions}; the spec is read again once if none does) is installed next to
     * the running one, and stays. When no version carries it, nothing changes and PostgreSQL reports
     * the missing path itself.
     */
    @Override
    public Result requestUpdate(String control, String from, String to, Duration timeout) throws FetchException {
        ComputeSpec spec = requireSpec();
        if (spec.providerOfExtension(control).filter(this::installable).isEmpty()) {
            return requestExtension(control, timeout); // not ours, or its name conflicts: answered as for CREATE EXTENSION
        }
        if (to == null) {
            refreshForUpdate();
            return requestExtension(control, timeout);
        }
        Optional<ComputeSpec.Entry> carrier = Updates.carrier(requireSpec(), state, control, from, to, this::wanted);
        if (carrier.isEmpty()) {
            refreshForUpdate();
            carrier = Updates.carrier(requireSpec(), state, control, from, to, this::wanted);
        }
        ComputeSpec.Entry entry = requireSpec().providerOfExtension(control).orElse(null);
        if (carrier.isEmpty() || entry == null) {
            log.info("ALTER EXTENSION " + control + " UPDATE from " + from + " to " + to + ": no version of its bundle in the spec"
                    + " carries update scripts for that; PostgreSQL reports it");
            return requestExtension(control, timeout);
        }
        ComputeSpec.Entry chosen = carrier.get();
        var rec = state.get(entry.name());
        if (rec.isEmpty() || !rec.get().installed() || !rec.get().sha256().equals(chosen.sha256())) {
            log.info("ALTER EXTENSION " + control + " UPDATE from " + from + " to " + to + ": installing " + chosen.label()
                    + ", which carries the update scripts" + rec.filter(InstalledRecord::installed).map(r -> ", next to " + r.label()).orElse(""));
        }
        return install(control, entry, chosen.sha256(), timeout, () -> {
            try {
                state.markCreated(control);
            } catch (IOException e) {
                log.info("cannot update " + state.root().resolve("created.json") + ": " + e.getMessage());
            }
        });
    }

    /** An update may want a version the registry approved since the spec was read: read it again, unless just read. */
    static final long UPDATE_SPEC_AGE_S = 10;

    private void refreshForUpdate() {
        Instant at = specs.loadedAt();
        if (at != null && at.isAfter(Instant.now().minusSeconds(UPDATE_SPEC_AGE_S))) {
            return;
        }
        try {
            refresh();
        } catch (FetchException e) {
            log.info("ALTER EXTENSION … UPDATE: the spec could not be read again (" + e.getMessage() + "); using the one read at "
                    + specs.loadedAt());
        }
    }

    private List<Job.Outcome> awaitAll(List<Job> jobs, Duration timeout) throws FetchException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Job.Outcome> out = new ArrayList<>();
        for (Job j : jobs) {
            try {
                out.add(j.done().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                throw new FetchException(FetchException.Kind.TIMEOUT, "timeout", "'" + j.bundle() + "' is not installed after "
                        + timeout.toSeconds() + " s (" + Log.bytes(j.bytes()) + " of " + Log.bytes(j.size())
                        + " downloaded); it goes on in the background, ask again");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof FetchException fe) {
                    throw jobs.size() > 1 && j != jobs.get(jobs.size() - 1)
                            ? new FetchException(fe.kind(), fe.code(), "installing '" + j.bundle() + "', which '"
                            + jobs.get(jobs.size() - 1).bundle() + "' requires, failed: " + fe.getMessage(), fe) : fe;
                }
                throw new FetchException(FetchException.Kind.UNAVAILABLE, "internal", "installing " + j.bundle() + " failed: " + e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FetchException(FetchException.Kind.UNAVAILABLE, "interrupted", "interrupted while waiting for " + j.bundle());
            }
        }
        return out;
    }

    /** The entries and, first, every bundle they require (transitively); unknown requirements are an error. */
    List<ComputeSpec.Entry> closureOf(List<ComputeSpec.Entry> roots) {
        ComputeSpec spec = specs.current();
        LinkedHashMap<String, ComputeSpec.Entry> out = new LinkedHashMap<>();
        for (ComputeSpec.Entry r : roots) {
            visit(spec, r, out, new LinkedHashSet<>());
        }
        return List.copyOf(out.values());
    }

    private void visit(ComputeSpec spec, ComputeSpec.Entry e, Map<String, ComputeSpec.Entry> out, Set<String> path) {
        if (out.containsKey(e.name()) || !path.add(e.name())) {
            return;
        }
        for (String req : e.requires()) {
            spec.providerOfExtension(req).filter(this::installable).ifPresent(p -> visit(spec, p, out, path));
            // a requirement outside the spec (plpgsql, contrib) is PostgreSQL's; CREATE EXTENSION reports it if absent
        }
        out.put(e.name(), e);
    }

    private List<ComputeSpec.Entry> sharedPreloadBundles(ComputeSpec spec) throws FetchException {
        List<ComputeSpec.Entry> roots = new ArrayList<>();
        for (String lib : settings.preload().shared()) {
            var p = spec.providerOfLibrary(lib);
            if (p.isPresent() && !installable(p.get())) {
                if (state.all().stream().noneMatch(r -> r.installed() && r.libraries().contains(lib))) {
                    FetchException conflict = nameConflict(spec, p.get());
                    throw new FetchException(conflict.kind(), conflict.code(), "shared_preload_libraries names '" + lib
                            + "', which no bundle may provide on this node: " + conflict.getMessage() + "; PostgreSQL would not start");
                }
            } else if (p.isPresent()) {
                roots.add(p.get());
            } else if (!installer.providedBySystem(lib, true)
                    && state.all().stream().noneMatch(r -> r.installed() && r.libraries().contains(lib))) {
                throw new FetchException(FetchException.Kind.NOT_FOUND, "preload-library-unknown", "shared_preload_libraries names '"
                        + lib + "', which no bundle of the compute spec provides and which is not installed"
                        + (settings.layout().mode() == PgLayout.Mode.SHARED ? " in " + settings.layout().libDir() : "")
                        + "; PostgreSQL would not start");
            }
        }
        return closureOf(roots);
    }

    /** Control files fetched {@value #CONTROL_REQUESTS} at a time (30 one after the other were most of phase 1). */
    static final int CONTROL_REQUESTS = 8;

    /** Phase 1: fetches the control files side by side, then lists them all in one durable batch. */
    private void publishControls(List<ComputeSpec.Entry> entries) {
        List<ComputeSpec.Entry> missing = entries.stream().filter(e -> {
            var rec = state.get(e.name());
            // listed again: new, changed, or a listing a crash left without its files (renamed after the records)
            return rec.isEmpty() || !rec.get().installed() && (!rec.get().sha256().equals(e.sha256())
                    || rec.get().files().keySet().stream().anyMatch(f -> !Files.exists(Path.of(f))));
        }).toList();
        if (missing.isEmpty()) {
            return;
        }
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(CONTROL_REQUESTS, missing.size()), r -> {
            Thread t = new Thread(r, "fetch-control");
            t.setDaemon(true);
            return t;
        });
        List<Installer.Listing> listings = new ArrayList<>();
        try {
            List<Future<Installer.Listing>> all = new ArrayList<>();
            for (ComputeSpec.Entry e : missing) {
                all.add(pool.submit(() -> new Installer.Listing(e, controls.fetch(e))));
            }
            for (int i = 0; i < all.size(); i++) {
                try {
                    listings.add(all.get(i).get());
                } catch (ExecutionException ex) {
                    FetchException why = ex.getCause() instanceof FetchException fe ? fe : new FetchException(
                            FetchException.Kind.UNAVAILABLE, "internal", "listing " + missing.get(i).label() + " failed: " + ex.getCause());
                    status.failed(missing.get(i).name(), why);
                    log.info("phase 1: " + why.describe());
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        long t1 = System.nanoTime();
        installer.publishControls(listings).forEach((name, ex) -> {
            status.failed(name, ex);
            log.info("phase 1: " + ex.describe());
        });
        log.info("phase 1: control files of " + listings.size() + " bundles listed (fetched in " + (t1 - t0) / 1_000_000
                + " ms, written in " + (System.nanoTime() - t1) / 1_000_000 + " ms)");
    }

    /** Syncs phase 1's listings (written without waiting for the disk, see NodeState#putListings): after "ready", before phase 4. */
    private void settleListings() {
        long t0 = System.nanoTime();
        try {
            int n = state.settleListings();
            if (n > 0) {
                log.info("phase 1: " + n + " listed files synced in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            }
        } catch (IOException e) {
            log.info("phase 1: syncing the listed files failed (" + e + "); the next start checks and lists them again");
        }
    }

    /** Re-reads the spec: new and changed bundles are fetched in the background, lost ones removed unless in use. */
    @Override
    public synchronized Map<String, List<String>> refresh() throws FetchException {
        ComputeSpec old = requireSpec();
        ComputeSpec spec = specs.reload();
        specChanged(spec);
        Map<String, ComputeSpec.Entry> before = old == null ? Map.of() : old.byName();
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (ComputeSpec.Entry e : spec.extensions()) {
            ComputeSpec.Entry was = before.get(e.name());
            if (was == null) {
                added.add(e.name());
            } else if (!was.sha256().equals(e.sha256())) {
                changed.add(e.name() + " " + was.version() + " -> " + e.version());
            }
        }
        publishControls(spec.installable());
        if (backgroundStarted) {
            settleListings();
        }
        List<String> removed = removeLost(spec);
        trimCache(); // older versions and removed bundles are now unused
        if (backgroundStarted) { // before that, phase 4 takes the new spec as it is when it starts
            for (ComputeSpec.Entry e : spec.installable()) {
                var rec = state.get(e.name());
                boolean current = rec.isPresent() && rec.get().installed() && rec.get().sha256().equals(wanted(e).sha256());
                if (!current && !status.isPendingRestart(e.name(), e.sha256())) {
                    scheduler.submit(e.name(), Priority.BACKGROUND);
                }
            }
        }
        Map<String, List<String>> summary = new LinkedHashMap<>();
        summary.put("added", added);
        summary.put("updated", changed);
        summary.put("removed", removed);
        summary.put("kept", List.copyOf(new TreeSet<>(kept.keySet())));
        log.info("refresh: spec of " + spec.generatedAt() + ": " + summary);
        return summary;
    }

    /** Removes bundles no longer in the spec unless an extension of theirs is created somewhere or preloaded. */
    private List<String> removeLost(ComputeSpec spec) {
        List<String> removed = new ArrayList<>();
        Set<String> created = null;
        for (InstalledRecord r : state.all()) {
            if (spec.entry(r.name()).isPresent()) {
                kept.remove(r.name());
                continue;
            }
            if (created == null) {
                created = createdExtensions();
            }
            List<String> inUse = r.controls().stream().filter(created::contains).toList();
            if (r.installed() && !inUse.isEmpty()) {
                kept.put(r.name(), "no longer in the spec, kept: " + inUse + " created in a database");
                continue;
            }
            if (r.installed() && status.postgresStarted() && r.libraries().stream().anyMatch(settings.preload().shared()::contains)) {
                kept.put(r.name(), "no longer in the spec, kept until PostgreSQL restarts: loaded by shared_preload_libraries");
                continue;
            }
            try {
                installer.remove(r.name());
                kept.remove(r.name());
                status.cleared(r.name());
                removed.add(r.name());
                log.info("removed " + r.label() + ": no longer in the spec and not created in any database");
            } catch (FetchException e) {
                log.info("cannot remove " + r.label() + ": " + e.getMessage());
            }
        }
        return removed;
    }

    BundleStatus bundleStatus() {
        return status;
    }

    private Set<String> createdExtensions() {
        Set<String> all = new TreeSet<>(state.created());
        if (settings.psql() != null && status.postgresStarted()) {
            try {
                all.addAll(settings.psql().createdExtensions());
            } catch (IOException e) {
                log.info("cannot read pg_extension (using the node-local record only): " + e.getMessage());
            }
        }
        return all;
    }

    /**
     * The bundles of this node the cache must keep: an extension of theirs is created in some
     * database, they provide a preload library, or they wait in the cache for a restart.
     */
    Set<String> bundlesInUse() {
        Set<String> created = state.created();
        Set<String> preload = new HashSet<>(settings.preload().shared());
        preload.addAll(settings.preload().session());
        preload.addAll(settings.preload().local());
        preload.addAll(state.pluginLibraries());
        Set<String> out = new TreeSet<>();
        for (InstalledRecord r : state.all()) {
            if (r.installed() && (r.controls().stream().anyMatch(created::contains) || r.libraries().stream().anyMatch(preload::contains))) {
                out.add(r.sha256());
            }
        }
        for (String p : status.pendingRestart()) {
            out.add(p.substring(p.indexOf('@') + 1));
        }
        return out;
    }

    /** Evicts least recently used bundles no database uses until the cache is within {@code --cache-limit}. */
    void trimCache() {
        if (cache.limit() <= 0) {
            return;
        }
        try {
            Set<String> inUse = bundlesInUse();
            cache.declareInUse(state.root(), inUse);
            List<String> evicted = cache.trim(inUse);
            if (!evicted.isEmpty()) {
                BundleCache.Usage u = cache.usage();
                log.info("cache: evicted " + evicted.size() + " bundle(s) no database uses (" + evicted.stream()
                        .map(s -> s.substring(0, 12)).toList() + "); " + Log.bytes(u.bytes()) + " of " + Log.bytes(u.limit()) + " in use");
            }
        } catch (IOException | RuntimeException e) {
            log.info("cache: cannot trim " + cache.root() + ": " + e.getMessage());
        }
    }

    BundleCache cache() {
        return cache;
    }

    private void specChanged(ComputeSpec spec) {
        try {
            installer.specChanged(spec);
        } catch (IOException e) {
            log.info("cannot write the prefix configuration: " + e.getMessage());
        }
        markConflicts(spec);
    }

    /**
     * The spec's name conflicts ({@link ComputeSpec#conflicts()}): each bundle involved is kept out of
     * every phase and reported ({@code name-conflict}); one that was only listed (phase 1, an earlier
     * spec) is withdrawn; an installed version stays. A conflict the new spec no longer has is cleared.
     */
    private void markConflicts(ComputeSpec spec) {
        Map<String, String> conflicts = spec.conflicts();
        for (String name : status.failedWith("name-conflict")) {
            if (!conflicts.containsKey(name)) {
                status.cleared(name);
            }
        }
        conflicts.forEach((name, why) -> {
            if (!"name-conflict".equals(status.errorCode(name))) {
                log.info("not installing " + name + ": " + why);
            }
            status.failed(name, nameConflict(spec, spec.entry(name).orElseThrow()));
            var rec = state.get(name);
            if (rec.isPresent() && !rec.get().installed()) {
                try {
                    installer.remove(name);
                } catch (FetchException e) {
                    log.info("cannot withdraw the listing of " + name + ": " + e.getMessage());
                }
            }
        });
    }

    boolean installable(ComputeSpec.Entry e) {
        return !specs.current().conflicts().containsKey(e.name());
    }

    static FetchException nameConflict(ComputeSpec spec, ComputeSpec.Entry e) {
        return new FetchException(FetchException.Kind.CONFLICT, "name-conflict", "bundle '" + e.name() + "' " + e.version()
                + " cannot be installed: " + spec.conflicts().getOrDefault(e.name(), "it carries a name another bundle carries"));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        b.stream().filter(x -> !out.contains(x)).forEach(out::add);
        return out;
    }

    /** Waits until phase 4 has gone through every bundle once. */
    public CompletableFuture<Void> background() {
        return background;
    }

    @Override
    public Map<String, Object> status() {
        return StatusView.of(this);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        scheduler.close();
    }

    Instant specLoadedAt() {
        return specs.loadedAt();
    }
}
