package dev.extfarm.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads what a manifest can say about a bundle tree from the tree itself: the control files it
 * carries, their default version and requirements, and the modules in {@code lib/}.
 */
public final class TreeInspector {

    private TreeInspector() {
    }

    /** Fills extensions, default_version (of {@code primary}, else the first), requires and libraries. */
    public static BundleManifest.Builder infer(Path tree, String primary, BundleManifest.Builder builder) throws IOException {
        List<String> extensions = new ArrayList<>();
        Set<String> requires = new LinkedHashSet<>();
        String defaultVersion = null;
        Path extDir = tree.resolve(BundleLayout.EXTENSION_DIR);
        if (Files.isDirectory(extDir)) {
            try (Stream<Path> s = Files.list(extDir)) {
                for (Path p : s.sorted().toList()) {
                    String name = BundleLayout.controlName(BundleLayout.EXTENSION_DIR + "/" + p.getFileName());
                    if (name == null || !Files.isRegularFile(p)) {
                        continue;
                    }
                    ControlFile control = ControlFile.parse(name, Files.readAllBytes(p));
                    extensions.add(name);
                    requires.addAll(control.requires());
                    if (name.equals(primary) || defaultVersion == null) {
                        defaultVersion = control.defaultVersion().orElse(defaultVersion);
                    }
                }
            }
        }
        requires.removeAll(extensions);
        return builder.extensions(extensions).requires(List.copyOf(requires)).defaultVersion(defaultVersion)
                .libraries(modules(tree));
    }

    /**
     * Loadable modules: {@code lib/<name>.so} directly in lib/ (bundled dependencies are
     * versioned sonames like {@code libcurl.so.4} and are not modules).
     */
    public static List<String> modules(Path tree) throws IOException {
        Path lib = tree.resolve("lib");
        if (!Files.isDirectory(lib)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(lib)) {
            return s.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".so"))
                    .map(n -> n.substring(0, n.length() - 3))
                    .sorted().toList();
        }
    }
}
