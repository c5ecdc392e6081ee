package dev.extfarm.cli.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.protocol.Catalog;
import dev.extfarm.protocol.Wire;
import dev.extfarm.cli.output.OutputOption;
import dev.extfarm.cli.api.ApiClient;
import dev.extfarm.cli.api.RegistryOptions;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "extensions", mixinStandardHelpOptions = true,
        description = {"List the catalog: extensions with their latest version, PostgreSQL majors, platforms and licenses.",
                "With NAME, every bundle of that extension (version, PG major, platform, address)."},
        footer = {"", "Examples:", "  extfarm extensions --pg 17", "  extfarm extensions vector --output json"})
public final class ExtensionsCommand implements Callable<Integer> {

    /** Reads the catalog's documents (unknown fields ignored: a newer registry may add some). */
    private static final com.fasterxml.jackson.databind.ObjectMapper CATALOG = Wire.mapper();

    @Spec
    CommandSpec spec;
    @Mixin
    RegistryOptions registry;
    @Mixin
    OutputOption output;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "one extension: list its bundles")
    String name;

    @Option(names = {"-q", "--query"}, description = "only names or descriptions containing this")
    String query;

    @Option(names = "--pg", description = "only extensions built for this PostgreSQL major")
    Integer pg;

    @Option(names = "--license", description = "only this license (SPDX id)")
    String license;

    @Override
    public Integer call() throws Exception {
        ApiClient api = new ApiClient(registry);
        PrintWriter out = spec.commandLine().getOut();
        if (name != null) {
            JsonNode ext = api.get("/api/v1/extensions/" + URLEncoder.encode(name, StandardCharsets.UTF_8));
            if (output.json()) {
                out.println(ext.toPrettyString());
                return 0;
            }
            Catalog.ExtensionDetail detail = CATALOG.treeToValue(ext, Catalog.ExtensionDetail.class);
            out.println(detail.name() + ": " + text(detail.description()));
            out.printf("%-14s %-4s %-24s %-9s %s%n", "VERSION", "PG", "PLATFORM", "SIZE", "ADDRESS");
            for (Catalog.VersionEntry v : detail.versions()) {
                for (Catalog.BundleEntry b : v.bundles()) {
                    out.printf("%-14s %-4s %-24s %-9s %s%n", v.version(), b.pgMajor(), b.platform(), b.size(), b.address());
                }
            }
            return 0;
        }
        List<JsonNode> items = new ArrayList<>();
        JsonNode first = null;
        for (int page = 1; ; page++) {
            StringBuilder q = new StringBuilder("/api/v1/extensions?size=100&page=").append(page);
            if (query != null) {
                q.append("&q=").append(URLEncoder.encode(query, StandardCharsets.UTF_8));
            }
            if (pg != null) {
                q.append("&pg=").append(pg);
            }
            if (license != null) {
                q.append("&license=").append(URLEncoder.encode(license, StandardCharsets.UTF_8));
            }
            JsonNode r = api.get(q.toString());
            first = first == null ? r : first;
            r.path("items").forEach(items::add);
            if (r.path("items").size() < 100 || items.size() >= r.path("total").asInt()) {
                break;
            }
        }
        if (output.json()) {
            out.println(OutputOption.indentedJson(items));
            return 0;
        }
        out.printf("%-16s %-14s %-10s %-18s %s%n", "NAME", "LATEST", "PG", "LICENSE", "DESCRIPTION");
        for (JsonNode item : items) {
            Catalog.ExtensionSummary e = CATALOG.treeToValue(item, Catalog.ExtensionSummary.class);
            List<String> majors = new ArrayList<>();
            e.pgMajors().forEach(m -> majors.add(String.valueOf(m)));
            majors.sort(null);
            out.printf("%-16s %-14s %-10s %-18s %s%n", e.name(), text(e.latestVersion()),
                    String.join(",", majors), String.join(" ", e.licenses()), text(e.description()));
        }
        return 0;
    }

    private static String text(String nullable) {
        return nullable == null ? "" : nullable;
    }
}
