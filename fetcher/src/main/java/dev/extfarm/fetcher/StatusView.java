package dev.extfarm.fetcher;

import dev.extfarm.fetcher.install.InstalledRecord;
import dev.extfarm.fetcher.install.PgLayout;
import dev.extfarm.fetcher.queue.Job;
import dev.extfarm.protocol.ComputeSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The {@code GET /status} document (see docs/fetcher.md). */
final class StatusView {

    static final String[] PHASES = {"starting", "control-files", "shared-preload", "preload", "background"};

    private StatusView() {
    }

    static Map<String, Object> of(Fetcher f) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("phase", f.phase);
        s.put("phase_name", f.backgroundDone ? "idle" : PHASES[f.phase]);
        s.put("ready", f.ready);
        s.put("postgres_started", f.bundleStatus().postgresStarted());
        s.put("postgres_accepting_since", f.postgresAcceptingAt == null ? null : f.postgresAcceptingAt.toString());
        s.put("background_started", f.backgroundStarted);
        ComputeSpec spec = f.spec();
        Map<String, Object> sp = new LinkedHashMap<>();
        sp.put("source", f.specs().source().describe());
        if (spec != null) {
            sp.put("tenant", spec.tenant());
            sp.put("pg_major", spec.pgMajor());
            sp.put("platform", spec.platform());
            sp.put("generated_at", spec.generatedAt());
            sp.put("expires_at", spec.expiresAt());
            sp.put("bundles", spec.extensions().size());
        }
        sp.put("loaded_at", f.specLoadedAt() == null ? null : f.specLoadedAt().toString());
        sp.put("error", f.specs().lastError());
        s.put("spec", sp);
        PgLayout l = f.settings().layout();
        Map<String, Object> layout = new LinkedHashMap<>();
        layout.put("mode", l.mode().name().toLowerCase());
        if (l.mode() == PgLayout.Mode.SHARED) {
            layout.put("share_dir", l.shareDir().toString());
            layout.put("lib_dir", l.libDir().toString());
        } else {
            layout.put("prefix", l.prefix().toString());
        }
        layout.put("marker_dir", l.markerDir().toString());
        layout.put("state_dir", f.state().root().toString());
        layout.put("cache_dir", f.settings().cacheDir().toString());
        s.put("layout", layout);
        var u = f.cache().usage();
        Map<String, Object> cache = new LinkedHashMap<>();
        cache.put("dir", f.settings().cacheDir().toString());
        cache.put("bytes", u.bytes());
        cache.put("bundles", u.bundles());
        cache.put("limit", u.limit());
        cache.put("evictions", u.evictions());
        cache.put("evicted_bytes", u.evictedBytes());
        cache.put("in_use", f.bundlesInUse().size());
        s.put("cache", cache);

        Map<String, Job> jobs = new LinkedHashMap<>();
        for (Job j : f.scheduler().jobs()) {
            jobs.put(j.bundle(), j);
        }
        Map<String, Integer> counts = new TreeMap<>();
        List<Map<String, Object>> bundles = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (spec != null) {
            spec.extensions().forEach(e -> names.add(e.name()));
        }
        f.state().all().stream().map(InstalledRecord::name).filter(n -> !names.contains(n)).forEach(names::add);
        Map<String, String> conflicts = spec == null ? Map.of() : spec.conflicts();
        for (String name : names) {
            ComputeSpec.Entry e = spec == null ? null : spec.entry(name).orElse(null);
            InstalledRecord r = f.state().get(name).orElse(null);
            Job j = jobs.get(name);
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("name", name);
            b.put("version", e != null ? e.version() : r.version());
            b.put("sha256", e != null ? e.sha256() : r.sha256());
            b.put("extensions", e != null ? e.extensions() : r.controls());
            b.put("libraries", e != null ? e.libraries() : r.libraries());
            String st;
            if (j != null) {
                st = j.running() ? "installing" : "queued";
                b.put("priority", j.priority().id());
                b.put("bytes", j.bytes());
                b.put("size", j.size());
            } else if (e != null && f.bundleStatus().isPendingRestart(name, e.sha256())) {
                st = "pending-restart";
            } else if (r != null && r.installed() && (e == null || r.sha256().equals(f.wanted(e).sha256()))) {
                st = e == null ? "kept" : "installed";
            } else if (e != null && conflicts.containsKey(name)) {
                st = "conflict"; // carries a name another bundle of the spec carries: not installed (error_code name-conflict)
            } else if (f.bundleStatus().error(name) != null) {
                st = "failed";
            } else if (r != null && r.installed()) {
                st = "outdated";
            } else {
                st = "available";
            }
            b.put("state", st);
            if (r != null && r.installed()) {
                b.put("installed_version", r.version());
            }
            if (f.bundleStatus().error(name) != null) {
                b.put("error", f.bundleStatus().error(name));
                b.put("error_code", f.bundleStatus().errorCode(name));
            }
            if (f.kept.containsKey(name)) {
                b.put("note", f.kept.get(name));
            }
            counts.merge(st, 1, Integer::sum);
            bundles.add(b);
        }
        s.put("counts", counts);
        s.put("bundles", bundles);
        return s;
    }
}
