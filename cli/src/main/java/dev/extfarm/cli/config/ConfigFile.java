package dev.extfarm.cli.config;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The CLI's config file, {@code $XDG_CONFIG_HOME/extfarm/config} (default
 * {@code ~/.config/extfarm/config}): Java properties, one {@code key=value} a line, {@code #}
 * comments. Keys: {@code registry}, {@code token}, and {@code <profile>.registry},
 * {@code <profile>.token} for named profiles. A file holding a token must not be readable by
 * other users: such a file is refused (world-readable) or warned about (group-readable).
 */
public final class ConfigFile {

    public static final List<String> KEYS = List.of("registry", "token");
    static final Pattern PROFILE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    private final Path path;
    private final Map<String, String> values;
    private final Set<PosixFilePermission> permissions;

    private ConfigFile(Path path, Map<String, String> values, Set<PosixFilePermission> permissions) {
        this.path = path;
        this.values = values;
        this.permissions = permissions;
    }

    /** Where the file is, whether or not it exists. */
    public static Path location() {
        // XDG: a relative XDG_CONFIG_HOME is invalid and ignored.
        Optional<Path> xdg = CliEnvironment.get("XDG_CONFIG_HOME").map(Path::of).filter(Path::isAbsolute);
        Path base = xdg.orElseGet(() -> Path.of(CliEnvironment.get("HOME").orElse(System.getProperty("user.home")), ".config"));
        return base.resolve("extfarm").resolve("config");
    }

    /** The file at {@link #location()}; empty values when it does not exist. */
    public static ConfigFile load() {
        Path path = location();
        if (!Files.exists(path)) {
            return new ConfigFile(path, Map.of(), Set.of());
        }
        try {
            Properties p = new Properties();
            p.load(new StringReader(Files.readString(path, StandardCharsets.UTF_8)));
            Map<String, String> values = new TreeMap<>();
            p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k).strip()));
            return new ConfigFile(path, values, Files.getPosixFilePermissions(path));
        } catch (IOException e) {
            throw new ConfigException("cannot read " + path + ": " + e.getMessage());
        }
    }

    public Path path() {
        return path;
    }

    /** Every key and value as written, tokens included (callers mask them). */
    public Map<String, String> all() {
        return values;
    }

    /**
     * The value of {@code key} for {@code profile} (null: the top-level keys). Refuses a file
     * holding a token that others can read.
     */
    public Optional<String> get(String profile, String key) {
        checkSafe();
        String v = values.get(fullKey(profile, key));
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    /** A warning to print, when the file holds a token and its group can read it. */
    public Optional<String> warning() {
        if (holdsToken() && permissions.contains(PosixFilePermission.GROUP_READ)
                && !permissions.contains(PosixFilePermission.OTHERS_READ)) {
            return Optional.of("warning: " + path + " holds a token and its group can read it (mode "
                    + mode() + "); run: chmod 600 " + path);
        }
        return Optional.empty();
    }

    /** Why the file is refused: it holds a token and every user of the machine can read it. */
    public Optional<String> refusal() {
        if (holdsToken() && permissions.contains(PosixFilePermission.OTHERS_READ)) {
            return Optional.of(path + " holds a token and every user of this machine can read it (mode " + mode()
                    + "); not using it. Run: chmod 600 " + path);
        }
        return Optional.empty();
    }

    private void checkSafe() {
        refusal().ifPresent(r -> {
            throw new ConfigException(r);
        });
    }

    private boolean holdsToken() {
        return values.entrySet().stream().anyMatch(e -> (e.getKey().equals("token") || e.getKey().endsWith(".token"))
                && !e.getValue().isEmpty());
    }

    private String mode() {
        int m = 0;
        for (PosixFilePermission p : permissions) {
            m |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", m);
    }

    public static String fullKey(String profile, String key) {
        if (!KEYS.contains(key)) {
            throw new ConfigException("unknown key '" + key + "' (known: " + String.join(", ", KEYS) + ")");
        }
        if (profile == null) {
            return key;
        }
        if (!PROFILE.matcher(profile).matches()) {
            throw new ConfigException("profile '" + profile + "' must match " + PROFILE.pattern());
        }
        return profile + "." + key;
    }

    /**
     * Sets (or, with a null value, removes) one key, keeping the other lines and comments. The
     * file is written to a temporary file with mode 0600 and moved into place.
     */
    public static ConfigFile set(String profile, String key, String value) {
        String full = fullKey(profile, key);
        if (value != null) {
            validate(key, value);
        }
        Path path = location();
        try {
            List<String> lines = Files.exists(path) ? new ArrayList<>(Files.readAllLines(path, StandardCharsets.UTF_8))
                    : new ArrayList<>(List.of("# extfarm command line configuration (docs/cli.md)"));
            Pattern line = Pattern.compile("\\s*" + Pattern.quote(full) + "\\s*[=:].*");
            boolean replaced = false;
            for (int i = 0; i < lines.size(); i++) {
                if (line.matcher(lines.get(i)).matches()) {
                    if (value == null || replaced) {
                        lines.remove(i--);
                    } else {
                        lines.set(i, full + "=" + value);
                    }
                    replaced = true;
                }
            }
            if (!replaced && value != null) {
                lines.add(full + "=" + value);
            }
            Path dir = path.getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path tmp = Files.createTempFile(dir, ".config", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
        return load();
    }

    private static void validate(String key, String value) {
        if (value.isBlank() || value.contains("\n") || value.contains("\\")) {
            throw new ConfigException(key + ": must be one non-empty line without backslashes");
        }
        if (key.equals("registry")) {
            try {
                URI uri = URI.create(value);
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                    throw new IllegalArgumentException();
                }
            } catch (IllegalArgumentException e) {
                throw new ConfigException("registry: '" + value + "' must be an http or https URL such as http://127.0.0.1:7780");
            }
        }
    }
}
