package dev.extfarm.worker.reproducibility;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.BundleRejectedException;
import dev.extfarm.bundle.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Compares a rebuilt bundle with the published one, entry by entry. Both are untrusted bytes:
 * each is unpacked by the bundle module's strict reader ({@link BundleReader}: bounded entries,
 * no link escapes; the published one must have the sha-256 the registry gave) into a fresh
 * directory, walked without following links, and only then compared. Files that differ are
 * classified ({@link DifferenceClassifier}); for ELF files the differing sections are named
 * ({@link ElfSections}). At most {@link #MAX_DIFFERENCES} entries are described; the total is counted.
 */
public final class BundleComparison {

    /** Differing entries described in a report (the registry keeps as many). */
    public static final int MAX_DIFFERENCES = 100;
    /** Files larger than this are compared by digest only (cause {@code other}, sections still named). */
    static final long MAX_CLASSIFIED_BYTES = 64L * 1024 * 1024;

    /** An entry on one side: {@code file}, {@code symlink} or {@code directory}. */
    public record Side(String type, Long size, String sha256, String target) {
    }

    /** One differing entry; a side is null when the entry is missing there; {@code elfSections} null unless both are ELF. */
    public record Difference(String path, String cause, Side published, Side rebuilt, List<String> elfSections) {
    }

    /** The verdict. */
    public record Result(String publishedSha256, String rebuiltSha256, boolean reproducible, int differencesTotal,
                         List<Difference> differences) {
    }

    private final DifferenceClassifier classifier;

    public BundleComparison(DifferenceClassifier classifier) {
        this.classifier = classifier;
    }

    /**
     * Compares {@code rebuilt} with {@code published} (which must have sha-256 {@code publishedSha256});
     * unpacks both under {@code scratch} (a directory that must not exist yet).
     */
    public Result compare(Path published, String publishedSha256, Path rebuilt, Path scratch)
            throws IOException, BundleRejectedException {
        String rebuiltSha256 = Digests.sha256(rebuilt);
        Files.createDirectories(scratch);
        Path left = scratch.resolve("published");
        Path right = scratch.resolve("rebuilt");
        try (InputStream in = Files.newInputStream(published)) {
            BundleReader.withDefaults().unpack(in, left, publishedSha256);
        }
        if (rebuiltSha256.equals(publishedSha256)) {
            return new Result(publishedSha256, rebuiltSha256, true, 0, List.of());
        }
        try (InputStream in = Files.newInputStream(rebuilt)) {
            BundleReader.withDefaults().unpack(in, right, rebuiltSha256);
        }
        Map<String, Side> a = entries(left);
        Map<String, Side> b = entries(right);
        TreeSet<String> paths = new TreeSet<>(a.keySet());
        paths.addAll(b.keySet());
        List<Difference> described = new ArrayList<>();
        int total = 0;
        for (String p : paths) {
            Side x = a.get(p);
            Side y = b.get(p);
            if (Objects.equals(x, y)) {
                continue;
            }
            total++;
            if (described.size() < MAX_DIFFERENCES) {
                described.add(describe(p, x, y, left.resolve(p), right.resolve(p)));
            }
        }
        if (total == 0) {
            // every entry is the same: the archive itself differs (headers, order)
            total = 1;
            described.add(new Difference("bundle.tar", DifferenceClassifier.OTHER,
                    new Side("file", Files.size(published), publishedSha256, null),
                    new Side("file", Files.size(rebuilt), rebuiltSha256, null), null));
        }
        return new Result(publishedSha256, rebuiltSha256, false, total, described);
    }

    private Difference describe(String path, Side x, Side y, Path left, Path right) throws IOException {
        boolean files = x != null && y != null && x.type().equals("file") && y.type().equals("file");
        if (!files) {
            return new Difference(path, DifferenceClassifier.OTHER, x, y, null);
        }
        List<String> sections = null;
        if (ElfSections.isElf(left) && ElfSections.isElf(right)) {
            sections = ElfSections.differing(left, right).map(l -> l.size() > 64 ? l.subList(0, 64) : l).orElse(null);
        }
        String cause = x.size() <= MAX_CLASSIFIED_BYTES && y.size() <= MAX_CLASSIFIED_BYTES
                ? classifier.classify(Files.readAllBytes(left), Files.readAllBytes(right)) : DifferenceClassifier.OTHER;
        return new Difference(path, cause, x, y, sections);
    }

    /** Every entry under {@code root} (written by the strict reader), by relative path; links are not followed. */
    static Map<String, Side> entries(Path root) throws IOException {
        Map<String, Side> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (p.equals(root)) {
                    continue;
                }
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, new Side("symlink", null, null, Files.readSymbolicLink(p).toString()));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, new Side("directory", null, null, null));
                } else {
                    out.put(rel, new Side("file", Files.size(p), Digests.sha256(p), null));
                }
            }
        }
        return out;
    }
}
