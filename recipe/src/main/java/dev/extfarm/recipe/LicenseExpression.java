package dev.extfarm.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks an SPDX license expression: ids from the SPDX list, {@code LicenseRef-...},
 * a trailing {@code +}, {@code WITH <exception>}, {@code AND}, {@code OR} and parentheses
 * (SPDX 2.3 annex D). Ids must be spelt as SPDX spells them; deprecated ids are accepted with a
 * warning.
 */
public final class LicenseExpression {

    private static final Pattern TOKEN = Pattern.compile("\\s*(\\(|\\)|[A-Za-z0-9.:+-]+)");
    private static final Pattern LICENSE_REF = Pattern.compile("(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+");

    private final List<String> tokens;
    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private int next;

    /** What is wrong with an expression; both lists empty means it is valid. */
    public record Check(List<String> errors, List<String> warnings) {
        public boolean isValid() {
            return errors.isEmpty();
        }
    }

    private LicenseExpression(List<String> tokens) {
        this.tokens = tokens;
    }

    public static Check check(String expression) {
        List<String> tokens = new ArrayList<>();
        Matcher m = TOKEN.matcher(expression);
        int end = 0;
        while (m.find() && m.start() == end) {
            tokens.add(m.group(1));
            end = m.end();
        }
        if (!expression.substring(end).isBlank()) {
            return new Check(List.of("unexpected '" + expression.substring(end).strip()
                    + "' (an SPDX expression uses ids, AND, OR, WITH and parentheses)"), List.of());
        }
        if (tokens.isEmpty()) {
            return new Check(List.of("must be an SPDX license id or expression such as MIT OR Apache-2.0"), List.of());
        }
        LicenseExpression parser = new LicenseExpression(tokens);
        parser.orExpression();
        if (parser.errors.isEmpty() && parser.next < tokens.size()) {
            parser.errors.add("unexpected '" + tokens.get(parser.next) + "'");
        }
        return new Check(List.copyOf(parser.errors), List.copyOf(parser.warnings));
    }

    private void orExpression() {
        andExpression();
        while (errors.isEmpty() && accept("OR")) {
            andExpression();
        }
    }

    private void andExpression() {
        simpleWithException();
        while (errors.isEmpty() && accept("AND")) {
            simpleWithException();
        }
    }

    private void simpleWithException() {
        if (accept("(")) {
            orExpression();
            if (errors.isEmpty() && !accept(")")) {
                errors.add("missing ')'");
            }
            return;
        }
        if (next >= tokens.size()) {
            errors.add("expression ends where a license id is expected");
            return;
        }
        String id = tokens.get(next++);
        licenseId(id);
        if (errors.isEmpty() && accept("WITH")) {
            if (next >= tokens.size()) {
                errors.add("WITH must be followed by an SPDX exception id");
                return;
            }
            String exception = tokens.get(next++);
            SpdxLicenses.exception(exception).ifPresentOrElse(
                    canonical -> requireCanonical(exception, canonical, "exception"),
                    () -> errors.add("'" + exception + "' is not an SPDX license exception id"));
        }
    }

    private void licenseId(String token) {
        if (isOperator(token) || token.equals("(") || token.equals(")")) {
            errors.add("'" + token + "' where a license id is expected");
            return;
        }
        String id = token.endsWith("+") ? token.substring(0, token.length() - 1) : token;
        if (LICENSE_REF.matcher(id).matches()) {
            return;
        }
        var canonical = SpdxLicenses.license(id);
        if (canonical.isPresent()) {
            requireCanonical(id, canonical.get(), "license id");
            return;
        }
        var deprecated = SpdxLicenses.deprecatedLicense(id);
        if (deprecated.isPresent()) {
            requireCanonical(id, deprecated.get(), "license id");
            warnings.add("'" + deprecated.get() + "' is a deprecated SPDX id" + replacementHint(deprecated.get()));
            return;
        }
        errors.add("'" + id + "' is not an SPDX license id (see https://spdx.org/licenses/; "
                + "use LicenseRef-<name> for a license that has none)");
    }

    private void requireCanonical(String written, String canonical, String what) {
        if (!written.equals(canonical)) {
            errors.add("'" + written + "' must be spelt '" + canonical + "' (the SPDX " + what + ")");
        }
    }

    private static String replacementHint(String id) {
        if (id.matches("(A|L)?GPL-[0-9.]+|GFDL-[0-9.]+")) {
            return "; write " + id + "-only or " + id + "-or-later";
        }
        return "";
    }

    private boolean accept(String token) {
        if (next < tokens.size() && (tokens.get(next).equals(token) || (isOperator(token) && tokens.get(next).equals(token.toLowerCase())))) {
            next++;
            return true;
        }
        return false;
    }

    private static boolean isOperator(String token) {
        return token.equals("AND") || token.equals("OR") || token.equals("WITH")
                || token.equals("and") || token.equals("or") || token.equals("with");
    }
}
