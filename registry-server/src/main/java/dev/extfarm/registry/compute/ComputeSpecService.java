package dev.extfarm.registry.compute;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.bundle.Platform;
import dev.extfarm.protocol.ComputeSpec;
import dev.extfarm.registry.auth.Principal;
import dev.extfarm.registry.bundle.EdgeConfig;
import dev.extfarm.registry.catalog.BundleEntry;
import dev.extfarm.registry.catalog.ReviewState;
import dev.extfarm.registry.catalog.VersionOrder;
import dev.extfarm.registry.catalog.Visibility;
import dev.extfarm.registry.links.LinkConfig;
import dev.extfarm.registry.links.LinkSigner;
import dev.extfarm.registry.names.NameOwnership;
import dev.extfarm.registry.problem.ExtfarmException;
import dev.extfarm.registry.tenant.TenantService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The spec of one tenant: every approved bundle for the PG major and platform of an extension the
 * tenant may use (public, or granted private), in the pinned version or else the newest; links to
 * private bundles are signed for this tenant, links to public ones are plain (cacheable) URLs.
 */
@ApplicationScoped
public class ComputeSpecService {

    @Inject
    Visibility visibility;
    @Inject
    TenantService tenants;
    @Inject
    LinkSigner signer;
    @Inject
    LinkConfig config;
    @Inject
    EdgeConfig edge;
    @Inject
    ControlTexts controls;
    @Inject
    NameOwnership names;
    @Inject
    UpdateScripts updates;

    @Transactional(Transactional.TxType.SUPPORTS)
    public ComputeSpec spec(Principal compute, Integer pg, String platform, String baseUrl) {
        if (pg == null) {
            throw ExtfarmException.invalid("invalid-query", "give the PostgreSQL major: ?pg=17");
        }
        if (platform == null || platform.isBlank()) {
            throw ExtfarmException.invalid("invalid-query", "give the platform: &platform=debian-12-amd64-glibc");
        }
        try {
            Platform.parse(platform);
        } catch (IllegalArgumentException e) {
            throw ExtfarmException.invalid("invalid-query", "platform " + e.getMessage());
        }
        long tenantId = compute.tenantId();
        Map<String, String> pins = tenants.pins(tenantId);
        List<BundleEntry> candidates = BundleEntry.list("pgMajor = ?1 and platform = ?2 and reviewState = ?3",
                pg, platform, ReviewState.APPROVED.id());
        Map<String, BundleEntry> chosen = new TreeMap<>();
        Map<String, List<BundleEntry>> usable = new TreeMap<>();
        Comparator<BundleEntry> newest = Comparator.comparing((BundleEntry b) -> b.version, VersionOrder.INSTANCE)
                .thenComparing(b -> b.createdAt);
        // bundles that carry another extension's name or one of PostgreSQL's (stored before names were
        // owned, or whose name an admin transferred) are left out: a fetcher never sees a name twice
        Set<String> conflicting = new HashSet<>();
        names.conflicts(pg, platform).forEach(c -> conflicting.add(c.sha256()));
        for (BundleEntry b : candidates) {
            if (conflicting.contains(b.sha256) || !visibility.tenantMayUse(tenantId, b.extensionName)) {
                continue;
            }
            usable.computeIfAbsent(b.extensionName, k -> new ArrayList<>()).add(b);
            String pin = pins.get(b.extensionName);
            if (pin != null && !pin.equals(b.version)) {
                continue;
            }
            chosen.merge(b.extensionName, b, (x, y) -> newest.compare(x, y) >= 0 ? x : y);
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant expires = now.plus(config.ttl());
        // public bytes may come from the bundle edge (docs/registry.md); private ones need the main port's checks
        String publicBase = edge.publicUrl().map(u -> u.toString().replaceAll("/+$", "")).orElse(baseUrl);
        List<ComputeSpec.Entry> entries = new ArrayList<>();
        for (BundleEntry b : chosen.values()) {
            // newer versions (one bundle per version: the newest upload of each), for ALTER EXTENSION ... UPDATE TO
            Map<String, BundleEntry> newer = new TreeMap<>(VersionOrder.INSTANCE.reversed());
            for (BundleEntry v : usable.get(b.extensionName)) {
                if (VersionOrder.INSTANCE.compare(v.version, b.version) > 0) {
                    newer.merge(v.version, v, (x, y) -> newest.compare(x, y) >= 0 ? x : y);
                }
            }
            List<ComputeSpec.Entry> versions = newer.values().stream().limit(MAX_VERSIONS)
                    .map(v -> entry(v, compute, baseUrl, publicBase, expires, false, List.of())).toList();
            entries.add(entry(b, compute, baseUrl, publicBase, expires, true, versions));
        }
        return new ComputeSpec(1, compute.tenantName(), pg, platform, now.toString(), expires.toString(), entries);
    }

    /** Newer versions listed per entry at most: enough for any update, and the spec stays small. */
    static final int MAX_VERSIONS = 20;

    private ComputeSpec.Entry entry(BundleEntry b, Principal compute, String baseUrl, String publicBase, Instant expires, boolean inlineControl,
                                    List<ComputeSpec.Entry> versions) {
        BundleAddress a = b.address();
        boolean priv = visibility.isPrivate(b.extensionName);
        String base = priv ? baseUrl : publicBase;
        // a library bundle (no control file: a preload-only module, an output plugin) has no control link
        String control = Arrays.asList(b.extensions).contains(b.extensionName) ? b.extensionName
                : b.extensions.length > 0 ? b.extensions[0] : null;
        return new ComputeSpec.Entry(b.extensionName, b.version, b.sha256, b.size,
                link(base, "/" + a.path(), priv, compute.tenantName(), expires),
                control == null ? null : link(base, "/" + a.sibling(control + ".control"), priv, compute.tenantName(), expires),
                inlineControl && control != null ? controls.of(a, control).orElse(null) : null,
                inlineControl && control != null ? otherControls(a, control, b.extensions) : Map.of(),
                link(base, "/" + a.sibling(BundleAddress.FILE_NAME + ".sig"), priv, compute.tenantName(), expires),
                List.of(b.extensions), List.of(b.libraries), List.of(b.requires), b.sharedPreload, b.preload,
                List.of(b.systemLibraries), updates.of(b), versions);
    }

    /** The inline texts of the bundle's other control files (one too large or unreadable is left out: listed at install). */
    private Map<String, String> otherControls(BundleAddress a, String main, String[] extensions) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String other : extensions) {
            if (!other.equals(main)) {
                controls.of(a, other).ifPresent(text -> out.put(other, text));
            }
        }
        return out;
    }

    private String link(String baseUrl, String path, boolean signed, String tenant, Instant expires) {
        return baseUrl + path + (signed ? "?" + signer.query(path, tenant, expires) : "");
    }
}
