package dev.extfarm.worker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SmokeTestConfTest {

    private static BuildJob job(boolean sharedPreload, Map<String, String> settings) {
        return new BuildJob("demo", "1.0", 17, "MIT", Path.of("src.tar.gz"), "0".repeat(64), Optional.empty(), List.of(),
                List.of(), Map.of(), Optional.empty(), List.of(), List.of(), sharedPreload, false, true, Optional.empty(),
                List.of(), "1".repeat(64), 0, Optional.empty(), settings, Optional.empty());
    }

    @Test
    void theRecipesSettingsAreQuotedAndThePreloadJoinsTheBundlesModules() {
        String conf = SmokeTestConf.settings(job(true, Map.of("wal_level", "logical", "demo.path", "it's a \\\\path",
                "shared_preload_libraries", "pg_stat_statements, demo")), List.of("demo", "demo_extra"));

        assertThat(conf).isEqualTo("demo.path = 'it''s a \\\\\\\\path'\nwal_level = 'logical'\n"
                + "shared_preload_libraries = 'pg_stat_statements,demo,demo_extra'\n");
    }

    @Test
    void withoutInstallSharedPreloadTheBundlesModulesAreNotPreloaded() {
        assertThat(SmokeTestConf.settings(job(false, Map.of()), List.of("demo"))).isEmpty();
        assertThat(SmokeTestConf.sharedPreload(job(false, Map.of("shared_preload_libraries", "auto_explain")), List.of("demo")))
                .isEqualTo("auto_explain");
    }
}
