package dev.extfarm.cli.recipe.init;

import com.fasterxml.jackson.databind.JsonNode;
import dev.extfarm.recipe.LicenseExpression;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * META.json {@code license} → an SPDX expression. v2 already holds one (checked here like lint
 * does). v1 holds a shortcut ({@code "postgresql"}), a list of shortcuts, or an object whose keys
 * name licenses ({@code {"PostgreSQL": "https://..."}}); several licenses become {@code A AND B}
 * (v1 does not say whether it means AND or OR: the maintainer checks, see {@link Result#notes}).
 */
final class LicenseMapping {

    /** v1's shortcuts (PGXN Meta Spec 1.0, "license") and their SPDX ids. */
    static final Map<String, String> V1_SHORTCUTS = Map.ofEntries(
            Map.entry("agpl_3", "AGPL-3.0-only"),
            Map.entry("apache_1_1", "Apache-1.1"),
            Map.entry("apache_2_0", "Apache-2.0"),
            Map.entry("artistic_1", "Artistic-1.0"),
            Map.entry("artistic_2", "Artistic-2.0"),
            Map.entry("bsd", "BSD-3-Clause"),
            Map.entry("freebsd", "BSD-2-Clause"),
            Map.entry("gfdl_1_2", "GFDL-1.2-only"),
            Map.entry("gfdl_1_3", "GFDL-1.3-only"),
            Map.entry("gpl_1", "GPL-1.0-only"),
            Map.entry("gpl_2", "GPL-2.0-only"),
            Map.entry("gpl_3", "GPL-3.0-only"),
            Map.entry("lgpl_2_1", "LGPL-2.1-only"),
            Map.entry("lgpl_3_0", "LGPL-3.0-only"),
            Map.entry("mit", "MIT"),
            Map.entry("mozilla_1_0", "MPL-1.0"),
            Map.entry("mozilla_1_1", "MPL-1.1"),
            Map.entry("openssl", "OpenSSL"),
            Map.entry("perl_5", "(Artistic-1.0-Perl OR GPL-1.0-or-later)"),
            Map.entry("postgresql", "PostgreSQL"),
            Map.entry("qpl_1_0", "QPL-1.0"),
            Map.entry("ssleay", "SSLeay-standalone"),
            Map.entry("sun", "SISSL"),
            Map.entry("zlib", "Zlib"));

    /** v1 shortcuts that name no particular license. */
    static final Set<String> V1_VAGUE = Set.of("open_source", "restricted", "unrestricted", "unknown");

    /** @param spdx empty when nothing could be mapped; notes say what the maintainer should check */
    record Result(Optional<String> spdx, List<String> unmapped, List<String> notes) {
    }

    private LicenseMapping() {
    }

    static Result map(JsonNode license, boolean v2) {
        List<String> unmapped = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (v2) {
            String text = license.asText();
            var check = LicenseExpression.check(text);
            if (!check.isValid()) {
                unmapped.add("license \"" + text + "\": not an SPDX expression (" + String.join("; ", check.errors()) + ")");
                return new Result(Optional.empty(), unmapped, notes);
            }
            return new Result(Optional.of(text), unmapped, notes);
        }
        Set<String> ids = new LinkedHashSet<>();
        if (license.isTextual()) {
            shortcut(license.asText(), ids, unmapped, notes);
        } else if (license.isArray()) {
            license.forEach(l -> shortcut(l.asText(), ids, unmapped, notes));
        } else {
            for (Iterator<String> names = license.fieldNames(); names.hasNext(); ) {
                named(names.next(), ids, unmapped, notes);
            }
        }
        if (ids.isEmpty()) {
            return new Result(Optional.empty(), unmapped, notes);
        }
        if (ids.size() > 1) {
            notes.add("license: META.json lists several licenses; written as AND (all apply). If the distribution means a choice, "
                    + "use OR");
        }
        String expression = String.join(" AND ", ids);
        if (ids.size() == 1 && expression.startsWith("(")) {
            expression = expression.substring(1, expression.length() - 1);
        }
        return new Result(Optional.of(expression), unmapped, notes);
    }

    private static void shortcut(String s, Set<String> ids, List<String> unmapped, List<String> notes) {
        String spdx = V1_SHORTCUTS.get(s);
        if (spdx != null) {
            ids.add(spdx);
            if (spdx.endsWith("-only") && (s.startsWith("gpl") || s.startsWith("lgpl") || s.startsWith("agpl") || s.startsWith("gfdl"))) {
                notes.add("license: v1's \"" + s + "\" does not say whether later versions apply; written as " + spdx
                        + " (use -or-later if the source says \"or any later version\")");
            }
        } else if (V1_VAGUE.contains(s)) {
            unmapped.add("license \"" + s + "\": names no particular license; find the license in the source");
        } else {
            unmapped.add("license \"" + s + "\": not a PGXN v1 license shortcut");
        }
    }

    /** An object key: an SPDX id as written ("PostgreSQL", "MIT"), a v1 shortcut, or a common name. */
    private static void named(String name, Set<String> ids, List<String> unmapped, List<String> notes) {
        String trimmed = name.strip();
        if (trimmed.matches("[A-Za-z0-9.+-]+") && LicenseExpression.check(trimmed).isValid()
                && LicenseExpression.check(trimmed).warnings().isEmpty()) {
            ids.add(trimmed);
            return;
        }
        String key = trimmed.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
        key = switch (key) {
            case "perl", "perl5" -> "perl_5";
            case "apache_2", "apache_license_2_0", "apache2" -> "apache_2_0";
            case "gplv2", "gpl_v2", "gpl2" -> "gpl_2";
            case "gplv3", "gpl_v3", "gpl3" -> "gpl_3";
            case "bsd_3_clause", "new_bsd" -> "bsd";
            case "postgres" -> "postgresql";
            default -> key;
        };
        if (V1_SHORTCUTS.containsKey(key)) {
            shortcut(key, ids, unmapped, notes);
        } else {
            unmapped.add("license \"" + name + "\": not an SPDX id nor a PGXN license name");
        }
    }
}
