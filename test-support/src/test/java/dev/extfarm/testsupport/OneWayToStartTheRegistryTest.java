package dev.extfarm.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Tests start the packaged registry through one fixture ({@link PackagedRegistry}, docs/testing.md):
 * no test source of any module names registry-server's packaged jar itself (a second way to start
 * it would drift: another port rule, another readiness check, another database left behind).
 */
class OneWayToStartTheRegistryTest {

    /** registry-server/target/..., or the same path built from its segments. */
    private static final Pattern REGISTRY_JAR = Pattern.compile(
            "registry-server/target|\"registry-server\"\\s*,\\s*\"target\"|registry-server\"\\)\\.resolve\\(\"target");
    /** In registry-server's own tests any packaged Quarkus jar is the registry's. */
    private static final Pattern ANY_QUARKUS_JAR = Pattern.compile("quarkus-run\\.jar");

    @Test
    void noTestButTheFixtureNamesThePackagedRegistry() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent(); // the repository: this module's parent
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(m -> !m.getFileName().toString().equals("test-support")).toList()) {
                Path tests = module.resolve("src/test/java");
                if (!Files.isDirectory(tests)) {
                    continue;
                }
                try (Stream<Path> files = Files.walk(tests)) {
                    Pattern jar = module.getFileName().toString().equals("registry-server") ? ANY_QUARKUS_JAR : REGISTRY_JAR;
                    files.filter(p -> p.toString().endsWith(".java")).filter(p -> jar.matcher(read(p)).find())
                            .forEach(p -> offenders.add(root.relativize(p).toString()));
                }
            }
        }
        assertThat(offenders).as("start the packaged registry with dev.extfarm.testsupport.PackagedRegistry (docs/testing.md)")
                .isEmpty();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
