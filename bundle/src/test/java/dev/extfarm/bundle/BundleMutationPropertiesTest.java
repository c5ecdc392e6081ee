package dev.extfarm.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.extfarm.bundle.Mutation.Field;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Valid bundles, written by the real {@link BundleWriter} from random trees, mutated as an
 * attacker would (header fields, checksums, PAX and GNU extended headers, sizes, modes, names,
 * types, truncation, appended bytes, duplicated, removed and swapped entries, edited manifests).
 * Every mutation is either
 *
 * <ul>
 *   <li>accepted, with exactly the files its manifest lists, the same for {@code verify} and
 *       {@code unpack}: the unpacked files have the listed bytes, modes and link targets, and two
 *       other tar readers (Commons Compress, and one that trusts the ustar header alone) see the
 *       same entries in the same bytes; or</li>
 *   <li>refused with a {@link BundleRejectedException} naming a rule, by both, leaving nothing.</li>
 * </ul>
 *
 * Never another exception, never a byte outside the sandbox, never a hang (each read has a
 * timeout). CI runs {@code jqwik.tries.default} tries (junit-platform.properties: 10,000); a longer
 * run: {@code ./mvnw -pl bundle test -Dtest=BundleMutationPropertiesTest -Djqwik.tries.default=200000}.
 */
class BundleMutationPropertiesTest {

    static final int POOL = 24;
    /** Default limits but for the entry count, so that a manifest over it stays small (Mutation.ManifestEdit.HUGE_LISTING). */
    static final BundleLimits LIMITS = BundleLimits.DEFAULT.withMaxEntries(400);
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Map<Integer, byte[]> BASES = new ConcurrentHashMap<>();

    @Property
    void everyMutationIsAcceptedAsListedOrRefusedWithARule(@ForAll @IntRange(min = 0, max = POOL - 1) int base,
                                                           @ForAll("mutations") List<Mutation> mutations,
                                                           @ForAll boolean readAheadForVerify) throws IOException {
        byte[] tar = base(base);
        for (Mutation m : mutations) {
            tar = m.apply(tar);
        }
        byte[] bytes = tar;
        Path parent = Files.createDirectory(sandbox.resolve("p"));
        try {
            Path dest = parent.resolve("dest");
            Outcome verified = read(() -> reader(readAheadForVerify).verify(new ByteArrayInputStream(bytes)));
            Outcome unpacked = read(() -> reader(!readAheadForVerify).unpack(new ByteArrayInputStream(bytes), dest));

            assertThat(unpacked.rule()).as("unpack and verify agree").isEqualTo(verified.rule());
            if (verified.bundle() != null) {
                BundleManifest m = verified.bundle().manifest();
                assertThat(unpacked.bundle().manifest()).isEqualTo(m);
                Map<String, String> listed = describe(m.files());
                assertThat(onDisk(dest)).as("the unpacked tree").isEqualTo(listed);
                assertThat(asCommonsCompressSeesIt(bytes)).as("what other tar readers see in the same bytes").isEqualTo(listed);
                assertThat(list(parent)).containsExactly("dest");
            } else {
                assertThat(list(parent)).as("a refused unpack leaves nothing").isEmpty();
            }
            assertThat(list(sandbox)).containsExactly("p");
            assertThat(Path.of(Mutation.CANARY)).doesNotExist();
        } finally {
            FileTrees.deleteRecursively(parent);
        }
    }

    /** Where each try unpacks (into p/dest); it must hold nothing else, ever. */
    private Path sandbox;

    @BeforeProperty
    void makeSandbox() throws IOException {
        sandbox = Files.createTempDirectory("bundle-fuzz");
    }

    @AfterProperty
    void removeSandbox() throws IOException {
        assertThat(list(sandbox)).as("left in the sandbox").isEmpty();
        FileTrees.deleteRecursively(sandbox);
    }

    /** What a read ended with: the bundle, or the rule that refused it. Anything else fails the property. */
    record Outcome(VerifiedBundle bundle, RejectionRule rule) {
    }

    interface Read {
        VerifiedBundle run() throws Exception;
    }

    /** One thread for every read, reused: a fresh thread per try (assertTimeoutPreemptively) costs more than a small read. */
    private static final ExecutorService READS = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bundle-fuzz-read");
        t.setDaemon(true);
        return t;
    });

    private static Outcome read(Read r) {
        Future<Outcome> f = READS.submit(() -> {
            try {
                return new Outcome(r.run(), null);
            } catch (BundleRejectedException e) {
                if (e.rule() == null || !e.getMessage().startsWith(e.rule().id() + ": ")) {
                    throw new IllegalStateException("a refusal without its rule id: " + e.getMessage(), e);
                }
                return new Outcome(null, e.rule());
            }
        });
        try {
            Outcome o = f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return o;
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("a read that does not end within " + TIMEOUT);
        } catch (ExecutionException e) {
            throw new AssertionError("a read ended with " + e.getCause() + " instead of a BundleRejectedException", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static BundleReader reader(boolean readAhead) {
        return readAhead ? new BundleReader(LIMITS).withReadAheadThread() : new BundleReader(LIMITS);
    }

    // ---- the oracle: what the manifest lists, what is on disk, what other readers see ----

    static Map<String, String> describe(List<BundleManifest.FileEntry> files) {
        Map<String, String> out = new TreeMap<>();
        for (BundleManifest.FileEntry f : files) {
            out.put(f.path(), f.isSymlink() ? "link " + f.link() : "file " + f.size() + " " + f.sha256() + " " + f.mode());
        }
        return out;
    }

    static Map<String, String> onDisk(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    if (!rel.equals(BundleLayout.MANIFEST)) {
                        boolean x = Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE);
                        out.put(rel, "file " + Files.size(p) + " " + Digests.sha256(p) + " " + (x ? "0755" : "0644"));
                    }
                } else if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(rel, "something else");
                }
            }
        }
        return out;
    }

    /**
     * The tree as Commons Compress reads it (it honours PAX and GNU long names, as GNU tar, Go and
     * Python do), and a check that a reader trusting the ustar headers alone meets the same entries,
     * of the same sizes, with a prefix of the same names.
     */
    static Map<String, String> asCommonsCompressSeesIt(byte[] tar) throws IOException {
        Map<String, String> out = new TreeMap<>();
        TarMap headersOnly = TarMap.of(tar);
        int i = 0;
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), StandardCharsets.UTF_8.name())) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; i++) {
                assertThat(i).as("entries a header-only reader sees").isLessThan(headersOnly.entries().size());
                int h = headersOnly.entries().get(i).header();
                assertThat(TarMap.size(tar, h)).as("header size of " + e.getName()).isEqualTo(e.getSize());
                byte[] full = e.getName().getBytes(StandardCharsets.UTF_8);
                byte[] own = TarMap.nameBytes(tar, h);
                assertThat(own.length <= full.length && java.util.Arrays.equals(own, 0, own.length, full, 0, own.length))
                        .as("the header's own name is a prefix of '" + e.getName() + "'").isTrue();
                String p = canonical(e.getName());
                if (e.isDirectory() || p.equals(BundleLayout.MANIFEST)) {
                    continue;
                }
                if (e.isSymbolicLink()) {
                    out.put(p, "link " + e.getLinkName());
                } else if (e.isFile()) {
                    byte[] data = in.readAllBytes();
                    out.put(p, "file " + data.length + " " + Digests.sha256(data) + " " + ((e.getMode() & 0100) != 0 ? "0755" : "0644"));
                } else {
                    out.put(p, "type " + (char) e.getLinkFlag());
                }
            }
        }
        assertThat(i).as("entries a header-only reader sees").isEqualTo(headersOnly.entries().size());
        return out;
    }

    private static String canonical(String name) {
        String p = name.startsWith("./") ? name.substring(2) : name;
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // ---- valid bundles, from random trees, through the real writer ----

    static byte[] base(int seed) {
        return BASES.computeIfAbsent(seed, BundleMutationPropertiesTest::pack);
    }

    /** A random tree (seeded, so a shrunk case names its bundle by number) packed by BundleWriter. */
    static byte[] pack(int seed) {
        Random r = new Random(seed);
        try {
            Path tmp = Files.createTempDirectory("bundle-fuzz-base");
            try {
                Path tree = tmp.resolve("tree");
                Fixtures.write(tree.resolve("share/extension/fz.control"), "default_version = '1.0'\n");
                String[] dirs = {"lib", "lib/bitcode/fz", "share/extension", "share/contrib", "doc/fz", "bin", "licenses"};
                List<Path> files = new ArrayList<>();
                int n = r.nextInt(7);
                for (int i = 0; i < n; i++) {
                    String name = switch (r.nextInt(4)) {
                        case 0 -> "f" + i + "-" + "n".repeat(100 + r.nextInt(40));   // a PAX path
                        case 1 -> "é" + i + "ü.sql";                                  // non-ASCII: a PAX path
                        default -> "f" + i + (r.nextBoolean() ? ".so" : ".sql");
                    };
                    Path p = tree.resolve(dirs[r.nextInt(dirs.length)]).resolve(name);
                    byte[] content = new byte[r.nextInt(r.nextBoolean() ? 40 : 1600)];
                    r.nextBytes(content);
                    Files.createDirectories(p.getParent());
                    Files.write(p, content);
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(r.nextInt(3) == 0 ? "rwxr-xr-x" : "rw-r--r--"));
                    files.add(p);
                }
                files.add(tree.resolve("share/extension/fz.control"));
                for (int i = 0, links = r.nextInt(3); i < links; i++) {
                    Path target = files.get(r.nextInt(files.size()));
                    Path link = tree.resolve(r.nextBoolean() ? "lib" : "doc").resolve(r.nextBoolean() ? "l" + i : "link-" + "k".repeat(110) + i);
                    Files.createDirectories(link.getParent());
                    Files.createSymbolicLink(link, link.getParent().relativize(target));
                }
                if (r.nextInt(4) == 0) {
                    Files.createDirectories(tree.resolve("share/tsearch_data"));
                }
                BundleManifest m = BundleManifest.builder().name("fz").version("1.0").pgMajor(17)
                        .platform(Platform.parse("debian-13-amd64-glibc")).extensions(List.of("fz")).license("MIT").build();
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                BundleWriter.pack(tree, m, seed, out);
                return out.toByteArray();
            } finally {
                FileTrees.deleteRecursively(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (BundleRejectedException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterContainer
    static void forgetBases() {
        BASES.clear();
    }

    // ---- mutations ----

    private static final String LONG = "lib/" + "a".repeat(130);

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Integer> entry = Arbitraries.integers().between(0, 24);
        Arbitrary<Mutation> setField = Arbitraries.of(Field.class).flatMap(f -> Combinators.combine(entry, values(f),
                Arbitraries.frequency(Tuple.of(9, true), Tuple.of(1, false))).as((e, v, fix) -> new Mutation.SetField(e, f, v, fix)));
        Arbitrary<Mutation> pax = Combinators.combine(entry, paxRecords().list().ofMinSize(1).ofMaxSize(3)).as(Mutation.InsertPax::new);
        Arbitrary<Mutation> extended = Combinators.combine(entry, Arbitraries.of('L', 'K', 'g', 'x'), Arbitraries.of(
                "$NAME\0", "$LINK\0", "../escape\0", Mutation.CANARY + "\0", LONG + "\0", "lib/x.so", "5 a=\n", "99 path=x\n",
                "0 \n", "11 path=a\n\0\0", "", "13 path=$NAME\n")).as(Mutation.InsertExtended::new);
        Arbitrary<Mutation> flip = Combinators.combine(Arbitraries.integers().between(0, 1 << 20), Arbitraries.integers().between(1, 255))
                .as(Mutation.FlipByte::new);
        Arbitrary<Mutation> smuggle = Combinators.combine(entry, Arbitraries.of("../escape", Mutation.CANARY, "lib/hidden.so",
                "share/extension/evil.control")).as(Mutation.SmuggleBySize::new);
        Arbitrary<Mutation> truncate = Arbitraries.integers().between(0, 1 << 20).map(Mutation.Truncate::new);
        Arbitrary<Mutation> append = Arbitraries.of("header:lib/appended.so", "header:../escape", "\0".repeat(512), "garbage",
                "\0".repeat(10240)).map(Mutation.Append::new);
        Arbitrary<Mutation> duplicate = Combinators.combine(entry, entry).as(Mutation.Duplicate::new);
        Arbitrary<Mutation> remove = entry.map(Mutation.Remove::new);
        Arbitrary<Mutation> swap = Combinators.combine(entry, entry).as(Mutation.Swap::new);
        Arbitrary<Mutation> manifest = Combinators.combine(Arbitraries.frequency(
                Tuple.of(6, Mutation.ManifestEdit.DROP_FILE), Tuple.of(6, Mutation.ManifestEdit.TOGGLE_MODE),
                Tuple.of(6, Mutation.ManifestEdit.GROW_SIZE), Tuple.of(6, Mutation.ManifestEdit.LIST_ESCAPE),
                Tuple.of(6, Mutation.ManifestEdit.RETARGET_LINK), Tuple.of(6, Mutation.ManifestEdit.RENAME),
                Tuple.of(1, Mutation.ManifestEdit.HUGE_LISTING)), entry).as(Mutation.EditManifest::new);
        Arbitrary<Mutation> any = Arbitraries.frequencyOf(
                Tuple.of(6, setField), Tuple.of(4, pax), Tuple.of(2, extended), Tuple.of(3, flip), Tuple.of(1, smuggle),
                Tuple.of(2, truncate), Tuple.of(1, append), Tuple.of(2, duplicate), Tuple.of(2, remove), Tuple.of(2, swap),
                Tuple.of(2, manifest));
        return any.list().ofMinSize(1).ofMaxSize(3);
    }

    private static Arbitrary<String> values(Field f) {
        return switch (f) {
            case NAME -> Arbitraries.of("../escape", Mutation.CANARY, "lib/../../escape", "./lib/x.so", "lib//x.so", "lib/./x.so",
                    "manifest.json", "share/extension/fz.control", "lib/" + "a".repeat(96), "doc/é", "", "doc/x\n", "etc/passwd",
                    "lib/x.so/", "share/", ".", "./", "lib");
            case MODE -> Arbitraries.of("777", "666", "664", "600", "4755", "2755", "1777", "755", "644", "100644", "120777", "7777777", "0");
            case UID, GID -> Arbitraries.of("0", "1750", "7777777");
            case SIZE -> Arbitraries.of("0", "1", "777", "1000", "$SIZE+1", "$SIZE-1", "$SIZE+512", "$SIZE-512", "$SIZE+1024",
                    "77777777777");
            case MTIME -> Arbitraries.of("0", "1", "77777777777");
            case DEVMAJOR -> Arbitraries.of("1", "0");
            case CHECKSUM -> Arbitraries.of("000000\0 ", "        ", "12345678", "0");
            case TYPE -> Arbitraries.of("0", "1", "2", "3", "4", "5", "6", "7", "x", "g", "L", "K", "S", "D", "V", "M", "N", "\0", "A");
            case LINK -> Arbitraries.of("../../etc/passwd", Mutation.CANARY, "a", "", "fz.control", "../share/extension/fz.control");
            case MAGIC -> Arbitraries.of("ustar\0", "ustar ", "\0\0\0\0\0\0", "USTAR\0", "ustar");
            case VERSION -> Arbitraries.of("00", "  ", " \0", "\0\0", "01");
            case UNAME, GNAME -> Arbitraries.of("root", "postgres", "");
            case PREFIX -> Arbitraries.of("lib", "..", "/etc", "", "doc");
        };
    }

    private static Arbitrary<String> paxRecords() {
        return Arbitraries.of("path=$NAME", "path=../escape", "path=" + Mutation.CANARY, "path=lib/x.so", "path=" + LONG, "path=doc/é",
                "path=manifest.json", "path=", "linkpath=$LINK", "linkpath=../../etc/passwd", "linkpath=" + Mutation.CANARY,
                "linkpath=fz.control", "size=$SIZE", "size=0", "size=1024", "size=-1", "uid=0", "uid=1000", "gid=0", "uname=root",
                "gname=", "mtime=0", "mtime=1.5", "atime=1", "ctime=1", "comment=hi", "hdrcharset=BINARY",
                "charset=ISO-IR 10646 2000 UTF-8", "GNU.sparse.size=10", "GNU.sparse.map=0,1", "SCHILY.xattr.security.capability=x",
                "LIBARCHIVE.xattr.user.a=Yg", "SCHILY.filetype=dir");
    }

    /** Not a property: a guard that the pool really is valid, so refusals are about the mutations. */
    @net.jqwik.api.Example
    void everyBaseBundleIsAccepted() throws Exception {
        for (int i = 0; i < POOL; i++) {
            VerifiedBundle v = reader(i % 2 == 0).verify(new ByteArrayInputStream(base(i)));
            assertThat(asCommonsCompressSeesIt(base(i))).isEqualTo(describe(v.manifest().files()));
            if (v.manifest().files().isEmpty()) {
                fail("base " + i + " lists nothing");
            }
        }
    }
}
