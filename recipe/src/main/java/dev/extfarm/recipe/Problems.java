package dev.extfarm.recipe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects the problems found while reading one recipe; positions refer to {@code file}. */
final class Problems {

    private final String file;
    private final List<RecipeProblem> list = new ArrayList<>();

    Problems(String file) {
        this.file = file;
    }

    String file() {
        return file;
    }

    void error(YamlNode.Position at, String field, String message) {
        add(RecipeProblem.Severity.ERROR, file, at, field, message);
    }

    /** An error with a stable rule id (see {@link RecipeProblem#rule()}). */
    void error(YamlNode.Position at, String field, String message, String rule) {
        list.add(new RecipeProblem(RecipeProblem.Severity.ERROR, file, at.line(), at.column(), field, message, rule));
    }

    void warning(YamlNode.Position at, String field, String message) {
        add(RecipeProblem.Severity.WARNING, file, at, field, message);
    }

    void errorInFile(String otherFile, String field, String message) {
        add(RecipeProblem.Severity.ERROR, otherFile, YamlNode.Position.FILE, field, message);
    }

    private void add(RecipeProblem.Severity severity, String inFile, YamlNode.Position at, String field, String message) {
        list.add(new RecipeProblem(severity, inFile, at.line(), at.column(), field, message));
    }

    int errorCount() {
        return (int) list.stream().filter(RecipeProblem::isError).count();
    }

    boolean hasErrors() {
        return list.stream().anyMatch(RecipeProblem::isError);
    }

    /** Ordered by file (the recipe first), line, column, then discovery. */
    List<RecipeProblem> sorted() {
        List<RecipeProblem> copy = new ArrayList<>(list);
        copy.sort(Comparator.comparing((RecipeProblem p) -> !p.file().equals(file))
                .thenComparing(RecipeProblem::file)
                .thenComparingInt(RecipeProblem::line)
                .thenComparingInt(RecipeProblem::column));
        return List.copyOf(copy);
    }
}
