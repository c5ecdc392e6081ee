package dev.extfarm.registry.catalog;

import java.util.Arrays;

/** Where a bundle stands in review; compute specs list {@link #APPROVED} bundles only. */
public enum ReviewState {
    APPROVED("approved"), PENDING_REVIEW("pending-review"), REJECTED("rejected");

    private final String id;

    ReviewState(String id) {
        this.id = id;
    }

    @com.fasterxml.jackson.annotation.JsonValue
    public String id() {
        return id;
    }

    public static ReviewState parse(String id) {
        return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown review state " + id));
    }
}
