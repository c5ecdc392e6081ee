package dev.extfarm.registry.builds;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * Where a build stands. {@code queued} and {@code running} are live; the rest are final.
 * {@code failed} is always the extension's (upstream or recipe); a build the farm could not
 * finish (farm faults or lost workers beyond the bounds) ends as {@code farm-error}, never as
 * {@code failed}.
 */
public enum BuildStatus {
    QUEUED("queued"), RUNNING("running"), SUCCEEDED("succeeded"), FAILED("failed"), CACHED("cached"),
    CANCELLED("cancelled"), FARM_ERROR("farm-error");

    private final String id;

    BuildStatus(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    public boolean isFinal() {
        return this != QUEUED && this != RUNNING;
    }

    public static BuildStatus parse(String id) {
        return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown build status '" + id + "'"));
    }

    public static boolean isKnown(String id) {
        return Arrays.stream(values()).anyMatch(s -> s.id.equals(id));
    }
}
