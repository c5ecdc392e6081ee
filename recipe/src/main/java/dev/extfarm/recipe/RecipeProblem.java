package dev.extfarm.recipe;

import java.util.Objects;

/**
 * One thing wrong with a recipe, located in a file. Printed like a compiler message:
 * {@code recipes/vector/recipe.yaml:7:3: source.sha256: must be 64 lowercase hex digits}; warnings
 * read {@code file:line:col: warning: field: message}. Line and column are 1-based; 0 means the
 * problem concerns the whole file (they are then left out of the printed form). {@code rule} is
 * a stable id for problems that a farm reports as such (e.g. {@code source-url-scheme}), else empty.
 */
public record RecipeProblem(Severity severity, String file, int line, int column, String field, String message, String rule) {

    public enum Severity { ERROR, WARNING }

    public RecipeProblem {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(rule, "rule");
    }

    public RecipeProblem(Severity severity, String file, int line, int column, String field, String message) {
        this(severity, file, line, column, field, message, "");
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(file);
        if (line > 0) {
            s.append(':').append(line).append(':').append(column);
        }
        s.append(": ");
        if (severity == Severity.WARNING) {
            s.append("warning: ");
        }
        if (!field.isEmpty()) {
            s.append(field).append(": ");
        }
        return s.append(message).toString();
    }
}
