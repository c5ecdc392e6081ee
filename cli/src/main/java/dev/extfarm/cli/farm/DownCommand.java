package dev.extfarm.cli.farm;

import dev.extfarm.bundle.FileTrees;
import dev.extfarm.cli.api.LocalFarm;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stop what `extfarm up` started (worker, then registry). Data stays in ./data unless --purge.",
        footer = {"", "Example:", "  extfarm down --purge"})
public final class DownCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--purge", description = "also delete the data directory (database, bundles, logs)")
    boolean purge;

    @Option(names = "--data", paramLabel = "DIR", description = "the state directory `up` used (default: $EXTFARM_DATA_DIR, else ./data)")
    Path dataOption;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path data = dataOption != null ? dataOption.toAbsolutePath().normalize() : LocalFarm.dataDir();
        Services services = new Services(data);
        for (String name : new String[]{"worker", "registry"}) {
            out.println(services.stop(name, Duration.ofSeconds(30)) ? "stopped " + name : name + " was not running");
        }
        if (purge && Files.isDirectory(data)) {
            FileTrees.deleteRecursively(data);
            out.println("removed " + data);
        }
        return 0;
    }
}
