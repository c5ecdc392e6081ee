package dev.extfarm.recipe.source;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Debian {@code Sources} index (RFC 822-style paragraphs separated by blank lines) as a
 * stream, keeping only the paragraphs of one source package, so that a 60 MB index costs no more
 * memory than the entries asked for.
 */
public final class DebianSourcesIndex {

    private DebianSourcesIndex() {
    }

    /** Every entry (version) of {@code packageName} in the index, in index order. */
    public static List<DebianSourceEntry> find(InputStream sources, String packageName) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(sources, StandardCharsets.UTF_8), 1 << 16);
        String wanted = "Package: " + packageName;
        List<DebianSourceEntry> found = new ArrayList<>();
        List<String> paragraph = new ArrayList<>();
        boolean keep = false;
        for (String line; (line = reader.readLine()) != null; ) {
            if (line.isEmpty()) {
                if (keep) {
                    found.add(parse(paragraph));
                }
                paragraph.clear();
                keep = false;
                continue;
            }
            if (line.startsWith("Package: ")) {
                keep = line.strip().equals(wanted);
            }
            if (keep) {
                paragraph.add(line);
            }
        }
        if (keep) {
            found.add(parse(paragraph));
        }
        return found;
    }

    private static DebianSourceEntry parse(List<String> lines) {
        String pkg = "";
        String version = "";
        String directory = "";
        List<DebianSourceEntry.PoolFile> files = new ArrayList<>();
        String field = "";
        for (String line : lines) {
            if (line.startsWith(" ") || line.startsWith("\t")) {
                if (field.equals("Checksums-Sha256")) {
                    String[] parts = line.strip().split("\\s+");
                    if (parts.length == 3 && parts[0].matches("[0-9a-f]{64}") && parts[1].matches("[0-9]{1,19}")) {
                        files.add(new DebianSourceEntry.PoolFile(parts[2], Long.parseLong(parts[1]), parts[0]));
                    }
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            field = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            switch (field) {
                case "Package" -> pkg = value;
                case "Version" -> version = value;
                case "Directory" -> directory = value;
                default -> { }
            }
        }
        return new DebianSourceEntry(pkg, version, directory, files);
    }
}
