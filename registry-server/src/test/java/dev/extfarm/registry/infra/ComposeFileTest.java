package dev.extfarm.registry.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * infra/compose/compose.yaml is valid for Debian's docker-compose ({@code config -q}; CI installs
 * it, elsewhere the check is skipped when the command is missing) and describes the topology
 * docs/operations.md promises, on the host network, every listener on 127.0.0.1.
 */
class ComposeFileTest {

    static final Path COMPOSE = Path.of("..", "infra", "compose", "compose.yaml");

    @Test
    void dockerComposeAcceptsTheFile() throws Exception {
        Result r = compose(COMPOSE, "config", "-q");
        assertThat(r.exit).as(r.output).isZero();
        assertThat(r.output).isEmpty();
    }

    @Test
    void dockerComposeRejectsABrokenFile(@TempDir Path dir) throws Exception {
        Path broken = dir.resolve("compose.yaml");
        Files.writeString(broken, Files.readString(COMPOSE).replace("    user: postgres\n", "    usr: postgres\n"));
        Result r = compose(broken, "config", "-q");
        assertThat(r.exit).isNotZero();
        assertThat(r.output).contains("usr");
    }

    @Test
    void theTopologyIsTwoReplicasBehindOneAddressAndTwoWorkers() throws Exception {
        // the file as docker-compose resolves it (anchors and merge keys expanded)
        Result resolved = compose(COMPOSE, "config");
        assertThat(resolved.exit).as(resolved.output).isZero();
        JsonNode services = new ObjectMapper(new YAMLFactory()).readTree(resolved.output).path("services");
        List<String> names = new ArrayList<>();
        services.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactlyInAnyOrder("postgres", "s3", "registry-1", "registry-2", "proxy", "worker-1", "worker-2");
        services.forEach(s -> assertThat(s.path("network_mode").asText()).isEqualTo("host"));
        String haproxy = Files.readString(COMPOSE.resolveSibling("haproxy.cfg"));
        assertThat(haproxy).contains("bind 127.0.0.1:7789").contains("server registry-1 127.0.0.1:7790")
                .contains("server registry-2 127.0.0.1:7791");
        assertThat(services.path("registry-1").path("environment").path("EXTFARM_HOST").asText()).isEqualTo("127.0.0.1");
        assertThat(services.path("worker-1").path("environment").path("EXTFARM_WORKER_REGISTRY").asText())
                .isEqualTo("http://127.0.0.1:7789");
    }

    record Result(int exit, String output) {
    }

    static Result compose(Path file, String... args) throws IOException, InterruptedException {
        boolean installed = Files.isExecutable(Path.of("/usr/bin/docker-compose"));
        if (!installed && !"true".equals(System.getenv("CI"))) {
            Assumptions.abort("docker-compose is not installed (apt-get install docker-compose; .ci/run does)");
        }
        List<String> cmd = new ArrayList<>(List.of("docker-compose", "-f", file.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }
}
