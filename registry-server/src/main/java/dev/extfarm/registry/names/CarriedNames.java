package dev.extfarm.registry.names;

import dev.extfarm.bundle.BundleLayout;
import dev.extfarm.bundle.BundleManifest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The extension and library names a bundle would occupy on a compute node, read from its
 * (verified) manifest, whose file list is exactly the archive's:
 * <ul>
 * <li>extensions: every file directly in {@code share/extension/} belongs to the extension named
 *     before its first {@code --} ({@code x--1.0.sql}, {@code x--1.0--1.1.sql}, {@code x--1.1.control})
 *     or before {@code .control}; other files there are inert (PostgreSQL reads only those);</li>
 * <li>libraries: the manifest's {@code libraries} (the library → bundle index fetchers use for
 *     {@code LOAD} and preload settings), every {@code lib/<m>.so}, and JIT bitcode
 *     {@code lib/bitcode/<m>/…}, {@code lib/bitcode/<m>.index.bc}.</li>
 * </ul>
 * The bundle claims its control files' names and its modules; a {@code lib/<m>.so} listed in
 * {@code bundled_libraries} (a dependency several bundles may carry) is checked but not claimed.
 *
 * @param refs   every name occupied, with the first file (or manifest field) that occupies it
 * @param claims the names the bundle takes for its extension (its recipe) on first publication
 * @param controls the bundle's own control names ({@code share/extension/<name>.control})
 */
public record CarriedNames(List<Ref> refs, List<Name> claims, Set<String> controls) {

    /** A name in one of the two name spaces. */
    public record Name(NameKind kind, String name) {
        static final Comparator<Name> ORDER = Comparator.comparing((Name n) -> n.kind().id()).thenComparing(Name::name);
    }

    /** A name and what in the bundle occupies it ({@code share/extension/x--1.0.sql}, {@code manifest.json libraries}). */
    public record Ref(Name name, String where) {
    }

    public static CarriedNames of(BundleManifest m) {
        Map<Name, String> refs = new LinkedHashMap<>();
        Set<String> controls = new TreeSet<>();
        for (BundleManifest.FileEntry f : m.files()) {
            String path = f.path();
            if (path.startsWith(BundleLayout.EXTENSION_DIR + "/")) {
                String file = path.substring(BundleLayout.EXTENSION_DIR.length() + 1);
                if (file.contains("/")) {
                    continue; // a subdirectory (a control file's 'directory'): its scripts are found through that control file
                }
                int dashes = file.indexOf("--");
                String owner = dashes > 0 ? file.substring(0, dashes)
                        : file.endsWith(".control") ? file.substring(0, file.length() - ".control".length()) : null;
                if (owner != null && !owner.isEmpty()) {
                    if (dashes < 0) {
                        controls.add(owner);
                        refs.put(new Name(NameKind.CONTROL, owner), path); // the control file names it best
                    } else {
                        refs.putIfAbsent(new Name(NameKind.CONTROL, owner), path);
                    }
                }
            } else if (path.startsWith("lib/")) {
                String module = module(path.substring("lib/".length()));
                if (module != null) {
                    refs.putIfAbsent(new Name(NameKind.LIBRARY, module), path);
                }
            }
        }
        for (String library : m.libraries()) {
            refs.putIfAbsent(new Name(NameKind.LIBRARY, library), "manifest.json libraries");
        }
        Set<String> bundled = new TreeSet<>();
        for (String b : m.bundledLibraries()) {
            if (b.endsWith(".so")) {
                bundled.add(b.substring(0, b.length() - 3));
            }
        }
        List<Name> claims = new ArrayList<>();
        for (Name n : refs.keySet()) {
            boolean claimed = n.kind() == NameKind.CONTROL ? controls.contains(n.name())
                    : !bundled.contains(n.name()) || m.libraries().contains(n.name());
            if (claimed) {
                claims.add(n);
            }
        }
        claims.sort(Name.ORDER); // claimed in one order everywhere: concurrent claims of overlapping names cannot deadlock
        List<Ref> all = new ArrayList<>();
        refs.forEach((n, where) -> all.add(new Ref(n, where)));
        return new CarriedNames(List.copyOf(all), List.copyOf(claims), Set.copyOf(controls));
    }

    /** The module a path under {@code lib/} belongs to, or null (a versioned dependency, data). */
    static String module(String rel) {
        if (rel.startsWith("bitcode/")) {
            String rest = rel.substring("bitcode/".length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                return rest.substring(0, slash);
            }
            return rest.endsWith(".index.bc") && rest.length() > ".index.bc".length()
                    ? rest.substring(0, rest.length() - ".index.bc".length()) : null;
        }
        if (!rel.contains("/") && rel.endsWith(".so") && rel.length() > 3) {
            return rel.substring(0, rel.length() - 3);
        }
        return null;
    }
}
