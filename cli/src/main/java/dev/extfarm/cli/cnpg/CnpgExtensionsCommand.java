package dev.extfarm.cli.cnpg;

import dev.extfarm.protocol.Catalog;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.cli.exit.UsageException;
import dev.extfarm.cli.api.ApiClient;
import dev.extfarm.cli.api.RegistryOptions;
import dev.extfarm.cli.cnpg.ExtensionImages.Bundle;
import dev.extfarm.cli.cnpg.ExtensionImages.LookupException;
import java.io.PrintWriter;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Prints the {@code extensions:} stanza of a CloudNativePG Cluster's {@code .spec.postgresql} for
 * farm-built bundles: one image volume per bundle, referenced by the digest of the image the
 * registry serves, with the paths CNPG puts into {@code extension_control_path} and
 * {@code dynamic_library_path}, and {@code shared_preload_libraries} for bundles that must be
 * preloaded. Bundles an extension requires are added (from the catalog); no
 * {@code ld_library_path}: bundled libraries sit next to the module with RUNPATH {@code $ORIGIN}.
 */
@Command(name = "extensions", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the spec.postgresql stanza of a CloudNativePG Cluster (CNPG 1.27+, PostgreSQL 18+) that mounts",
                "the farm's images of these extensions as image volumes: extensions (name, image reference by digest,",
                "extension_control_path, dynamic_library_path) and shared_preload_libraries where a bundle needs it.",
                "Extensions they require are added. NAME@VERSION picks a version (default: the newest approved)."},
        footer = {"", "Examples:", "  extfarm cnpg extensions semver pgmemcache --pg 18",
                "  extfarm cnpg extensions vector@0.8.1 --pg 18 --platform debian-13-amd64-glibc --image-registry registry.example.com",
                "  extfarm cnpg extensions semver --pg 18 --output json",
                "", "Exit codes: 0 printed; 1 an extension, bundle or image the registry does not have; 2 usage. docs/oci.md."})
public final class CnpgExtensionsCommand implements Callable<Integer> {

    /** CNPG's rule for an extension's name (the mount directory /extensions/NAME). */
    static final Pattern CNPG_NAME = Pattern.compile("[a-z0-9]([a-z0-9_-]*[a-z0-9])?");
    /** A registry host as image references name it: a DNS name or IPv4 address, or [IPv6], and a port. */
    static final Pattern HOST = Pattern.compile("([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?");
    /** The first major with extension_control_path. */
    static final int FIRST_MAJOR = 18;

    public enum Format { yaml, json }

    @Spec
    CommandSpec spec;
    @Mixin
    RegistryOptions registry;

    @Parameters(paramLabel = "NAME[@VERSION]", arity = "1..*", description = "extensions of the catalog")
    List<String> names;

    @Option(names = "--pg", required = true, paramLabel = "MAJOR", description = "the cluster's PostgreSQL major (18 or later)")
    int pg;

    @Option(names = "--platform", paramLabel = "PLATFORM",
            description = "the operand image's platform, e.g. debian-13-amd64-glibc (default: the one platform the bundles share)")
    String platform;

    @Option(names = "--image-registry", paramLabel = "HOST[:PORT]",
            description = "the registry host the cluster pulls from (default: the host and port of --registry)")
    String imageRegistry;

    @Option(names = {"-O", "--output"}, defaultValue = "yaml", description = "yaml or json (default: ${DEFAULT-VALUE})")
    Format format;

    /** A bundle chosen for the stanza, with its image and why it is there. */
    record Chosen(Bundle bundle, String digest, String requiredBy) {
    }

    @Override
    public Integer call() throws Exception {
        if (pg < FIRST_MAJOR) {
            throw new UsageException("--pg " + pg + ": image volume extensions need PostgreSQL " + FIRST_MAJOR
                    + " or later (extension_control_path)");
        }
        Map<String, String> wanted = new LinkedHashMap<>();
        for (String arg : names) {
            int at = arg.indexOf('@');
            String name = at < 0 ? arg : arg.substring(0, at);
            String version = at < 0 ? null : arg.substring(at + 1);
            if (!BundleAddress.isValidName(name) || (version != null && version.isEmpty())) {
                throw new UsageException("'" + arg + "' is no NAME or NAME@VERSION (names match " + BundleAddress.NAME_RULE + ")");
            }
            wanted.put(name, version);
        }
        URI base = registry.registry();
        String host = imageRegistry != null ? imageRegistry : base.getAuthority();
        if (host == null || !HOST.matcher(host).matches()) {
            throw new UsageException((imageRegistry != null ? "--image-registry " + imageRegistry + " is no HOST[:PORT]"
                    : "no registry host in " + base) + ": give the host the cluster pulls from with --image-registry HOST[:PORT]");
        }
        ExtensionImages images = new ExtensionImages(new ApiClient(registry));

        // the named extensions: their approved bundles for this major
        Map<String, List<Bundle>> candidates = new LinkedHashMap<>();
        for (var w : wanted.entrySet()) {
            Catalog.ExtensionDetail ext = images.extension(w.getKey()).orElseThrow(() -> new LookupException("the catalog of " + base
                    + " has no extension '" + w.getKey() + "' (extfarm extensions lists it)"));
            List<Bundle> bundles = ExtensionImages.approved(ext, pg, w.getValue());
            if (bundles.isEmpty()) {
                throw new LookupException(w.getKey() + (w.getValue() == null ? "" : " " + w.getValue())
                        + " has no approved bundle for PostgreSQL " + pg + " (extfarm extensions " + w.getKey() + " lists its bundles)");
            }
            candidates.put(w.getKey(), bundles);
        }
        String chosenPlatform = platform != null ? platform : sharedPlatform(candidates);

        Map<String, Chosen> chosen = new LinkedHashMap<>();
        for (var c : candidates.entrySet()) {
            chosen.put(c.getKey(), new Chosen(newestOn(c.getKey(), c.getValue(), chosenPlatform), null, null));
        }
        List<String> systemRequired = addRequirements(images, chosen, chosenPlatform);
        Map<String, Chosen> withImages = new LinkedHashMap<>();
        for (var c : chosen.entrySet()) {
            withImages.put(c.getKey(), new Chosen(c.getValue().bundle(), images.imageDigest(c.getValue().bundle()),
                    c.getValue().requiredBy()));
        }
        checkCnpgNames(withImages.keySet());

        ObjectNode stanza = stanza(withImages, host);
        PrintWriter out = spec.commandLine().getOut();
        if (format == Format.json) {
            out.println(stanza.toPrettyString());
        } else {
            header(withImages, systemRequired, base, chosenPlatform).forEach(line -> out.println("# " + line));
            out.print(yaml().writeValueAsString(stanza));
        }
        out.flush();
        return 0;
    }

    /** The one platform every named extension has a bundle for, else a message listing them. */
    private String sharedPlatform(Map<String, List<Bundle>> candidates) throws LookupException {
        Set<String> shared = null;
        List<String> each = new ArrayList<>();
        for (var c : candidates.entrySet()) {
            Set<String> p = ExtensionImages.platforms(c.getValue());
            each.add(c.getKey() + ": " + String.join(", ", p));
            if (shared == null) {
                shared = new LinkedHashSet<>(p);
            } else {
                shared.retainAll(p);
            }
        }
        if (shared != null && shared.size() == 1) {
            return shared.iterator().next();
        }
        throw new LookupException((shared == null || shared.isEmpty() ? "no platform has bundles of all of them"
                : "their bundles are built for several platforms") + " for PostgreSQL " + pg + " (" + String.join("; ", each)
                + "): choose the operand image's with --platform");
    }

    private Bundle newestOn(String name, List<Bundle> bundles, String onPlatform) throws LookupException {
        return bundles.stream().filter(b -> b.platform().equals(onPlatform)).findFirst()
                .orElseThrow(() -> new LookupException(name + " has no approved bundle for PostgreSQL " + pg + " on " + onPlatform
                        + " (it has: " + String.join(", ", ExtensionImages.platforms(bundles)) + ")"));
    }

    /**
     * Adds, transitively, a bundle for every extension a chosen bundle requires that no chosen bundle
     * carries: the catalog extension of that name. A required name the catalog does not have is
     * PostgreSQL's own (plpgsql, a contrib module), expected in the operand image: returned for the header.
     */
    private List<String> addRequirements(ExtensionImages images, Map<String, Chosen> chosen, String onPlatform) throws Exception {
        List<String> system = new ArrayList<>();
        Set<String> asked = new HashSet<>();
        Deque<Chosen> todo = new ArrayDeque<>(chosen.values());
        while (!todo.isEmpty()) {
            Chosen c = todo.poll();
            for (String required : c.bundle().requires()) {
                if (carried(chosen, required) || !asked.add(required)) {
                    continue;
                }
                var ext = BundleAddress.isValidName(required) ? images.extension(required) : Optional.<Catalog.ExtensionDetail>empty();
                if (ext.isEmpty()) {
                    system.add(required + " (required by " + c.bundle().name() + ")");
                    continue;
                }
                List<Bundle> bundles = ExtensionImages.approved(ext.get(), pg, null);
                if (bundles.isEmpty()) {
                    throw new LookupException(c.bundle().name() + " requires " + required + ", which has no approved bundle for PostgreSQL " + pg);
                }
                Chosen added = new Chosen(newestOn(required, bundles, onPlatform), null, c.bundle().name());
                chosen.put(required, added);
                todo.add(added);
            }
        }
        return system;
    }

    private static boolean carried(Map<String, Chosen> chosen, String extension) {
        return chosen.values().stream().anyMatch(c -> c.bundle().extensions().contains(extension));
    }

    /** CNPG turns '_' into '-' for volume names: two names that become one would clash. */
    private static void checkCnpgNames(Set<String> names) throws LookupException {
        Map<String, String> volumes = new HashMap<>();
        for (String name : names) {
            if (!CNPG_NAME.matcher(name).matches()) {
                throw new LookupException("'" + name + "' cannot be a CloudNativePG extension name: it must start and end with"
                        + " a lowercase letter or a digit");
            }
            String other = volumes.put(name.replace('_', '-'), name);
            if (other != null) {
                throw new LookupException("'" + other + "' and '" + name + "' would share one CloudNativePG volume name ("
                        + name.replace('_', '-') + "): mount one of them only");
            }
        }
    }

    /** The keys of spec.postgresql, exactly as CNPG documents them. */
    private static ObjectNode stanza(Map<String, Chosen> chosen, String host) {
        ObjectNode root = ApiClient.JSON.createObjectNode();
        ArrayNode extensions = root.putArray("extensions");
        Set<String> preload = new TreeSet<>();
        for (var c : chosen.entrySet()) {
            ObjectNode e = extensions.addObject();
            e.put("name", c.getKey());
            e.putObject("image").put("reference", host + "/extensions/" + c.getKey() + "@" + c.getValue().digest());
            // the bundle layout (docs/bundle-format.md), which is also CNPG's default; spelled out
            e.putArray("extension_control_path").add("share");
            e.putArray("dynamic_library_path").add("lib");
            if (c.getValue().bundle().sharedPreload()) {
                preload.addAll(c.getValue().bundle().libraries());
            }
        }
        if (!preload.isEmpty()) {
            ArrayNode libs = root.putArray("shared_preload_libraries");
            preload.forEach(libs::add);
        }
        return root;
    }

    private List<String> header(Map<String, Chosen> chosen, List<String> systemRequired, URI base, String onPlatform) {
        List<String> lines = new ArrayList<>();
        lines.add("CloudNativePG image volume extensions for PostgreSQL " + pg + " on " + onPlatform + ", from " + base + ".");
        lines.add("Put these keys under spec.postgresql of a Cluster (CNPG 1.27+, Kubernetes ImageVolume); docs/oci.md.");
        for (var c : chosen.entrySet()) {
            Bundle b = c.getValue().bundle();
            StringBuilder line = new StringBuilder("  " + b.name() + " " + b.version() + ": bundle " + b.sha256());
            if (c.getValue().requiredBy() != null) {
                line.append(", required by ").append(c.getValue().requiredBy());
            }
            if (!b.bundledLibraries().isEmpty()) {
                line.append("; carries ").append(String.join(", ", b.bundledLibraries()))
                        .append(" in lib/ (RUNPATH $ORIGIN: no ld_library_path needed)");
            }
            if (b.sharedPreload()) {
                line.append("; must be in shared_preload_libraries");
            }
            if (b.privateExtension()) {
                line.append("; private: the Cluster pulls it with imagePullSecrets holding a compute token of a tenant it is granted to");
            }
            lines.add(line.toString());
        }
        for (String s : systemRequired) {
            lines.add("  " + s + ": not in the farm's catalog; PostgreSQL's own, expected in the operand image");
        }
        return lines;
    }

    private static YAMLMapper yaml() {
        return new YAMLMapper(YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                .build());
    }
}
