package dev.extfarm.registry.builds;

import dev.extfarm.bundle.Platform;
import dev.extfarm.recipe.PgMajors;
import dev.extfarm.recipe.ValidationOptions;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the farm builds: one platform per PostgreSQL major, from
 * {@code extfarm.farm.targets=15:debian-12-amd64-glibc,17:debian-13-amd64-glibc,...}. Recipes are
 * validated against these majors (a major the farm does not serve is a lint warning).
 */
@ApplicationScoped
public class FarmTargets {

    @ConfigMapping(prefix = "extfarm.farm")
    public interface Config {
        /** {@code <pg major>:<platform id>} pairs. */
        @WithDefault("15:debian-12-amd64-glibc,17:debian-13-amd64-glibc,18:debian-sid-amd64-glibc")
        List<String> targets();
    }

    private final Map<Integer, String> platforms;

    FarmTargets(Config config) {
        this.platforms = parse(config.targets());
    }

    static Map<Integer, String> parse(List<String> targets) {
        Map<Integer, String> m = new TreeMap<>();
        for (String t : targets) {
            String[] parts = t.strip().split(":", 2);
            if (parts.length != 2 || !parts[0].strip().matches("[0-9]{1,3}")) {
                throw new IllegalArgumentException("extfarm.farm.targets: '" + t
                        + "' must be <pg major>:<platform>, e.g. 17:debian-13-amd64-glibc");
            }
            int major = Integer.parseInt(parts[0].strip());
            if (!PgMajors.isKnown(major)) {
                throw new IllegalArgumentException("extfarm.farm.targets: PostgreSQL " + major + " is not one of " + PgMajors.KNOWN);
            }
            String platform = Platform.parse(parts[1].strip()).id();
            if (m.put(major, platform) != null) {
                throw new IllegalArgumentException("extfarm.farm.targets: PostgreSQL " + major
                        + " is listed twice; the farm builds each major on one platform");
            }
        }
        if (m.isEmpty()) {
            throw new IllegalArgumentException("extfarm.farm.targets must name at least one <pg major>:<platform>");
        }
        return Collections.unmodifiableMap(m);
    }

    /** Major → platform, ascending by major. */
    public Map<Integer, String> all() {
        return platforms;
    }

    public Optional<String> platformFor(int pgMajor) {
        return Optional.ofNullable(platforms.get(pgMajor));
    }

    /** What recipes are checked against: the majors served here. */
    public ValidationOptions validationOptions() {
        return new ValidationOptions(List.copyOf(platforms.keySet()));
    }
}
