package dev.extfarm.cli.sources;

import dev.extfarm.cli.config.CliEnvironment;
import dev.extfarm.recipe.egress.AllowList;
import dev.extfarm.recipe.source.SourceFetcher;
import dev.extfarm.recipe.source.SourceFetcherConfig;
import dev.extfarm.recipe.source.SourceMirrors;
import java.nio.file.Path;

/**
 * How the command line fetches sources: like a worker of the farm, with the same environment
 * variables (EXTFARM_SOURCE_ALLOW, EXTFARM_SOURCE_MIRRORS).
 */
public final class SourceSettings {

    private SourceSettings() {
    }

    /** A fetcher caching into {@code cache}, with the environment's allow list and source mirrors. */
    public static SourceFetcher fetcher(Path cache) {
        SourceFetcherConfig defaults = SourceFetcherConfig.defaults(cache);
        SourceFetcherConfig config = defaults.withEgress(defaults.egress().withAllowList(
                AllowList.parse(CliEnvironment.get(SourceFetcherConfig.ALLOW_SETTING).orElse(""))));
        return new SourceFetcher(config, SourceMirrors.fromSetting(CliEnvironment.get(SourceMirrors.ENV).orElse(null)));
    }
}
