package dev.extfarm.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.cli.api.ApiClient;
import dev.extfarm.cli.api.RegistryOptions;
import dev.extfarm.cli.exit.ExitCode;
import dev.extfarm.cli.output.OutputOption;
import dev.extfarm.protocol.ConsistencyReport;
import dev.extfarm.protocol.Wire;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Asks the registry whether its blob store and database agree (GET /api/v1/admin/consistency). */
@Command(name = "consistency", mixinStandardHelpOptions = true,
        description = "Check that the blob store and the database agree (admin). Exit code 0 when they do, 1 when not.",
        footer = {"", "Example:", "  extfarm consistency --output json", "",
                "missing: rows whose blob is absent; orphan: blobs no row refers to (deleted by GC after its grace period)."})
public final class ConsistencyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    RegistryOptions registry;
    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        JsonNode body = new ApiClient(registry).get("/api/v1/admin/consistency");
        ConsistencyReport report = Wire.mapper().treeToValue(body, ConsistencyReport.class);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            out.println(body.toPrettyString());
        } else {
            out.printf("%s: %d blobs, %d references, %d missing, %d orphan, %d in flight, %d pending OCI garbage%n",
                    report.ok() ? "consistent" : "INCONSISTENT", report.blobs(), report.references(),
                    report.missingBlobs().size(), report.orphanBlobs().size(), report.inFlight(), report.pendingOciGarbage());
            report.missingBlobs().forEach(k -> out.println("missing " + k));
            report.orphanBlobs().forEach(k -> out.println("orphan  " + k));
            report.unknownBlobs().forEach(k -> out.println("unknown " + k));
        }
        return report.ok() ? ExitCode.OK : ExitCode.REJECTED;
    }
}
