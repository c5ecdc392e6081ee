package dev.extfarm.registry.names;

/**
 * The two name spaces a bundle can take a name in: {@code control} (an extension:
 * {@code share/extension/<name>.control} and its scripts) and {@code library} (a module:
 * {@code lib/<name>.so}, its JIT bitcode, {@code LOAD '<name>'}). The same word may be an
 * extension of one bundle and a module of another.
 */
public enum NameKind {
    CONTROL("control", "extension"), LIBRARY("library", "library");

    private final String id;
    private final String noun;

    NameKind(String id, String noun) {
        this.id = id;
        this.noun = noun;
    }

    /** As stored and in the API: {@code control} or {@code library}. */
    public String id() {
        return id;
    }

    /** For messages: "extension 'x'", "library 'x'". */
    public String describe(String name) {
        return noun + " '" + name + "'";
    }

    public static NameKind of(String id) {
        for (NameKind k : values()) {
            if (k.id.equals(id)) {
                return k;
            }
        }
        throw new IllegalArgumentException("a name kind is 'control' or 'library', not '" + id + "'");
    }
}
