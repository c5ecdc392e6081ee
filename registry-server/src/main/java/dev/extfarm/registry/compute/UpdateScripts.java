package dev.extfarm.registry.compute;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.registry.catalog.BundleEntry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The update scripts a bundle carries, per extension, as compute specs list them ({@code
 * "updates": {"vector": ["0.8.5--0.8.6", …]}}): the files {@code
 * share/extension/<extension>--<from>--<to>.sql} of its manifest. A fetcher reads them to know
 * which version of a bundle an {@code ALTER EXTENSION … UPDATE TO} needs. A bundle's manifest is
 * immutable (its address is its sha-256), so each is read once and kept.
 */
@ApplicationScoped
public class UpdateScripts {

    private final ConcurrentHashMap<String, Map<String, List<String>>> known = new ConcurrentHashMap<>();

    public Map<String, List<String>> of(BundleEntry b) {
        return known.computeIfAbsent(b.sha256, k -> read(b));
    }

    private static Map<String, List<String>> read(BundleEntry b) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> extensions = Arrays.asList(b.extensions);
        extensions.forEach(e -> out.put(e, new ArrayList<>()));
        if (b.manifest == null) {
            return out;
        }
        BundleManifest m;
        try {
            m = BundleManifest.parse(b.manifest.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            Log.warnf("the manifest of bundle %s %s is not readable (%s); its spec entry lists no update scripts", b.extensionName,
                    b.version, e.getMessage());
            return out;
        }
        for (BundleManifest.FileEntry f : m.files()) {
            String p = f.path();
            if (!p.startsWith("share/extension/") || !p.endsWith(".sql") || p.indexOf('/', "share/extension/".length()) >= 0) {
                continue;
            }
            String name = p.substring("share/extension/".length(), p.length() - ".sql".length());
            for (String e : extensions) {
                if (name.startsWith(e + "--")) {
                    String[] ends = name.substring(e.length() + 2).split("--", -1);
                    if (ends.length == 2 && !ends[0].isEmpty() && !ends[1].isEmpty()) {
                        out.get(e).add(ends[0] + "--" + ends[1]);
                    }
                }
            }
        }
        out.values().forEach(l -> l.sort(null));
        return out;
    }
}
