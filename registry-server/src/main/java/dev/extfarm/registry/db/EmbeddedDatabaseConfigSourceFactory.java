package dev.extfarm.registry.db;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Decides where the datasource points, before Agroal reads it:
 * <ul>
 * <li>{@code EXTFARM_DB_URL} (plus {@code EXTFARM_DB_USER}, {@code EXTFARM_DB_PASSWORD}) → that PostgreSQL;</li>
 * <li>{@code quarkus.datasource.jdbc.url} set some other way → left alone;</li>
 * <li>otherwise → an embedded PostgreSQL under {@code <extfarm.data-dir>/pg}, started when the URL is
 * first read (at runtime start; never at build time).</li>
 * </ul>
 */
public class EmbeddedDatabaseConfigSourceFactory implements ConfigSourceFactory {

    static final String URL = "quarkus.datasource.jdbc.url";
    static final String USER = "quarkus.datasource.username";
    static final String PASSWORD = "quarkus.datasource.password";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        String external = value(context, "EXTFARM_DB_URL");
        if (external != null) {
            String user = value(context, "EXTFARM_DB_USER");
            String password = value(context, "EXTFARM_DB_PASSWORD");
            var props = new HashMap<String, String>();
            props.put(URL, external.startsWith("jdbc:") ? external : "jdbc:" + external);
            if (user != null) {
                props.put(USER, user);
            }
            if (password != null) {
                props.put(PASSWORD, password);
            }
            return List.of(new MapBackedConfigSource("extfarm-external-db", props, 275) { });
        }
        if (value(context, URL) != null || "false".equals(value(context, "extfarm.embedded-db.enabled"))) {
            return List.of();
        }
        String dataDir = value(context, "extfarm.data-dir");
        Path pgDir = Path.of(dataDir == null ? "./data" : dataDir).resolve("pg");
        return List.of(new Lazy(pgDir));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(100);
    }

    private static String value(ConfigSourceContext context, String name) {
        ConfigValue v = context.getValue(name);
        return v == null || v.getValue() == null || v.getValue().isBlank() ? null : v.getValue().strip();
    }

    /** Low ordinal: anything configured explicitly wins. The URL is computed (PostgreSQL started) on first read. */
    static final class Lazy implements ConfigSource {
        private final Path pgDir;

        Lazy(Path pgDir) {
            this.pgDir = pgDir;
        }

        /**
         * Without the URL on purpose: the build reads the values of every listed name, and must
         * not start PostgreSQL. Direct look-ups ({@link #getValue}) still reach this source.
         */
        @Override
        public Set<String> getPropertyNames() {
            return Set.of(USER, PASSWORD);
        }

        @Override
        public Map<String, String> getProperties() {
            return Map.of(USER, "postgres", PASSWORD, "postgres");
        }

        @Override
        public String getValue(String name) {
            return switch (name) {
                case URL -> EmbeddedDatabase.jdbcUrl(pgDir);
                case USER -> "postgres";
                case PASSWORD -> "postgres";
                default -> null;
            };
        }

        @Override
        public String getName() {
            return "extfarm-embedded-postgresql";
        }

        @Override
        public int getOrdinal() {
            return 100;
        }
    }
}
