package dev.extfarm.cli;

import dev.extfarm.fetcher.FetcherMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code extfarm fetch <prepare|serve|install|status|recover> ...}: the compute-side fetcher (docs/fetcher.md). */
@Command(name = "fetch", description = {"The compute-side fetcher: installs bundles from a compute spec just in time.",
        "Commands: prepare, serve, install, status, recover; `extfarm fetch --help` for its options (docs/fetcher.md)."},
        footer = {"", "Example:", "  extfarm fetch prepare --registry http://127.0.0.1:7780 --token efc_... --pg-config /usr/bin/pg_config"})
public final class FetchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return FetcherMain.run(args.toArray(String[]::new), spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
