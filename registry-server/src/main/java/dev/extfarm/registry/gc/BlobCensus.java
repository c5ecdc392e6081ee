package dev.extfarm.registry.gc;

import dev.extfarm.registry.blob.BlobInfo;
import dev.extfarm.registry.blob.BlobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One pass over the database's references and the blob store's objects. The references are read
 * first, then the store is listed: a row always comes after its bytes, so a key referenced in the
 * snapshot but absent from the listing is really missing. Keys listed but not in the snapshot are
 * looked up again one by one, so an upload that committed meanwhile is not taken for an orphan.
 */
@ApplicationScoped
public class BlobCensus {

    /** A listed object the snapshot did not reference, with what a fresh look-up says about it. */
    public record Unreferenced(BlobInfo blob, BlobUse use) {
    }

    /** The outcome of a pass. */
    public record Result(int blobs, int references, List<String> missing, List<Unreferenced> unreferenced) {
    }

    @Inject
    BlobStore store;
    @Inject
    BlobReferences references;

    public Result take() throws IOException {
        Set<String> referenced = references.referencedKeys();
        List<BlobInfo> listed = store.list("");
        Set<String> seen = new HashSet<>();
        List<Unreferenced> unreferenced = new ArrayList<>();
        for (BlobInfo blob : listed) {
            String key = blob.key().path();
            seen.add(key);
            if (!referenced.contains(key)) {
                BlobUse use = references.use(key);
                unreferenced.add(new Unreferenced(blob, use));
            }
        }
        Set<String> missing = new TreeSet<>(referenced);
        missing.removeAll(seen);
        return new Result(listed.size(), referenced.size(), List.copyOf(missing), unreferenced);
    }
}
