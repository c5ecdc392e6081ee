package dev.extfarm.fetcher.install;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One install or removal in progress ({@code <state>/journal/<bundle>.json}), written before the
 * first visible change ({@link JournaledChanges} runs every change through it). {@code prepared}:
 * only what was staged exists (temporary files beside the targets; in prefix mode the new store
 * directory), so recovery deletes it and restores the previous version's markers (roll back).
 * {@code committing}: everything staged is complete and synced, so recovery renames the rest into
 * place (or swaps the link), deletes what the new version dropped, writes the record and markers
 * (roll forward).
 *
 * @param op       {@code install}, {@code remove} or {@code link} (prefix mode)
 * @param ops      files to rename: temp path → target path
 * @param removals paths of the previous version that the new one does not have
 * @param record   the record to write when done (null for a removal)
 * @param previous the record before, if any
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Journal(String op, String bundle, String phase, List<Rename> ops, List<String> removals,
                      InstalledRecord record, InstalledRecord previous) {

    public static final String PREPARED = "prepared";
    public static final String COMMITTING = "committing";

    public Journal {
        ops = ops == null ? List.of() : List.copyOf(ops);
        removals = removals == null ? List.of() : List.copyOf(removals);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Rename(String tmp, String target) {
    }

    public Journal withPhase(String p) {
        return new Journal(op, bundle, p, ops, removals, record, previous);
    }

    static Path path(NodeState state, String bundle) {
        return state.journalDir().resolve(bundle + ".json");
    }

    void save(NodeState state) throws IOException {
        AtomicFiles.write(path(state, bundle), NodeState.json().writeValueAsBytes(this));
    }

    static void delete(NodeState state, String bundle) throws IOException {
        Files.deleteIfExists(path(state, bundle));
        AtomicFiles.syncDir(state.journalDir());
    }

    static List<Journal> pending(NodeState state) throws IOException {
        try (var s = Files.list(state.journalDir())) {
            List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
            List<Journal> out = new ArrayList<>();
            for (Path p : files) {
                try {
                    out.add(NodeState.json().readValue(p.toFile(), Journal.class));
                } catch (IOException torn) {
                    // a journal is written by rename, so a torn one cannot exist; an unreadable one was never acted on
                    Files.delete(p);
                }
            }
            return out;
        }
    }
}
