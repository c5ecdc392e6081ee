package dev.extfarm.bundle;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One change to a tar, as an attacker (or a broken disk) would make it. Entry indexes are taken
 * modulo the entries found by {@link TarMap} at the time the mutation is applied, so any sequence
 * of mutations applies to any archive; a mutation that finds nothing to change returns its input.
 * Each is a record, so a shrunk counterexample prints as code.
 */
sealed interface Mutation {

    /** An absolute path that attacks aim at; it must never appear. */
    String CANARY = "/tmp/extfarm-fuzz-canary";

    byte[] apply(byte[] tar);

    /** The header fields a mutation can set. */
    enum Field {
        NAME(0, 100, false), MODE(100, 8, true), UID(108, 8, true), GID(116, 8, true), SIZE(124, 12, true),
        MTIME(136, 12, true), CHECKSUM(148, 8, false), TYPE(156, 1, false), LINK(157, 100, false),
        MAGIC(257, 6, false), VERSION(263, 2, false), UNAME(265, 32, false), GNAME(297, 32, false),
        DEVMAJOR(329, 8, true), PREFIX(345, 155, false);

        final int offset;
        final int length;
        final boolean octal;

        Field(int offset, int length, boolean octal) {
            this.offset = offset;
            this.length = length;
            this.octal = octal;
        }
    }

    /** XORs one byte anywhere (header, data, padding, end marker), checksums left as they are. */
    record FlipByte(int at, int xor) implements Mutation {
        public byte[] apply(byte[] tar) {
            if (tar.length == 0) {
                return tar;
            }
            byte[] out = tar.clone();
            int i = Math.floorMod(at, out.length);
            out[i] ^= (byte) (xor == 0 ? 1 : xor);
            return out;
        }
    }

    /**
     * Sets one field of an entry's header to {@code value} (octal fields take a number, others raw
     * text). {@code $SIZE+n} etc. are relative to the entry's current size.
     */
    record SetField(int entry, Field field, String value, boolean fixChecksum) implements Mutation {
        public byte[] apply(byte[] tar) {
            TarMap map = TarMap.of(tar);
            if (map.entries().isEmpty()) {
                return tar;
            }
            int h = map.entries().get(Math.floorMod(entry, map.entries().size())).header();
            byte[] out = tar.clone();
            byte[] v;
            if (field.octal) {
                long n = value.startsWith("$SIZE") ? Math.max(0, TarMap.size(tar, h) + Long.parseLong(value.substring(5)))
                        : Long.parseLong(value, 8);
                String digits = Long.toOctalString(n);
                v = ("0".repeat(Math.max(0, field.length - 1 - digits.length())) + digits).getBytes(StandardCharsets.US_ASCII);
                v = Arrays.copyOf(v, Math.min(v.length, field.length - 1));
            } else {
                v = value.getBytes(StandardCharsets.UTF_8);
            }
            Arrays.fill(out, h + field.offset, h + field.offset + field.length, (byte) 0);
            System.arraycopy(v, 0, out, h + field.offset, Math.min(v.length, field.length));
            if (fixChecksum && field != Field.CHECKSUM) {
                byte[] header = Arrays.copyOfRange(out, h, h + 512);
                RawTar.checksum(header);
                System.arraycopy(header, 0, out, h, 512);
            }
            return out;
        }
    }

    /**
     * Puts a PAX header with these records before an entry. {@code $NAME}, {@code $LINK},
     * {@code $SIZE} stand for the entry's own header values, so records can restate them (which
     * is accepted) or contradict them.
     */
    record InsertPax(int entry, List<String> records) implements Mutation {
        public byte[] apply(byte[] tar) {
            TarMap map = TarMap.of(tar);
            if (map.entries().isEmpty()) {
                return tar;
            }
            TarMap.Span s = map.entries().get(Math.floorMod(entry, map.entries().size()));
            RawTar pax = new RawTar();
            pax.pax(records.stream().map(r -> resolve(r, tar, s.header())).toArray(String[]::new));
            return splice(tar, s.start(), s.start(), pax.bytes());
        }
    }

    /** Puts another kind of extended header before an entry: GNU long name/link, global header, a raw PAX body. */
    record InsertExtended(int entry, char type, String body) implements Mutation {
        public byte[] apply(byte[] tar) {
            TarMap map = TarMap.of(tar);
            if (map.entries().isEmpty()) {
                return tar;
            }
            TarMap.Span s = map.entries().get(Math.floorMod(entry, map.entries().size()));
            byte[] b = resolve(body, tar, s.header()).getBytes(StandardCharsets.UTF_8);
            RawTar ext = new RawTar().header(type == 'L' || type == 'K' ? "././@LongLink" : "./PaxHeaders/x", type, 0644, b.length, null).data(b);
            return splice(tar, s.start(), s.start(), ext.bytes());
        }
    }

    /**
     * The attack of issue 21 item 6: a PAX size that covers the entry's data and a hidden header
     * {@code hidden} (with 4 bytes) after it, while the header's own size stays; a reader that
     * trusts the header finds the hidden entry. The manifest is not changed.
     */
    record SmuggleBySize(int entry, String hidden) implements Mutation {
        public byte[] apply(byte[] tar) {
            TarMap map = TarMap.of(tar);
            if (map.entries().isEmpty()) {
                return tar;
            }
            TarMap.Span s = map.entries().get(Math.floorMod(entry, map.entries().size()));
            byte[] extra = new RawTar().header(hidden, '0', 0644, 4, null).data("evil".getBytes(StandardCharsets.UTF_8)).bytes();
            long paxSize = (s.end() - s.header() - 512) + extra.length;
            byte[] pax = new RawTar().pax("size=" + paxSize).bytes();
            byte[] withHidden = splice(tar, s.end(), s.end(), extra);
            return splice(withHidden, s.start(), s.start(), pax);
        }
    }

    record Truncate(int at) implements Mutation {
        public byte[] apply(byte[] tar) {
            return tar.length == 0 ? tar : Arrays.copyOf(tar, Math.floorMod(at, tar.length));
        }
    }

    /** Appends bytes after the archive: {@code "header:<name>"} appends a well-formed header for that name. */
    record Append(String what) implements Mutation {
        public byte[] apply(byte[] tar) {
            byte[] extra = what.startsWith("header:")
                    ? new RawTar().file(what.substring(7), "x").end().bytes()
                    : what.getBytes(StandardCharsets.UTF_8);
            return splice(tar, tar.length, tar.length, extra);
        }
    }

    /** Copies an entry (with its extended headers and data) to before another one. */
    record Duplicate(int entry, int before) implements Mutation {
        public byte[] apply(byte[] tar) {
            TarMap map = TarMap.of(tar);
            if (map.entries().isEmpty()) {
                return tar;
            }
            TarMap.Span s = map.entries().get(Math.floorMod(entry, map.entries().size()));
            TarMap.Span at = map.entries().get(Math.floorMod(before, map.entries().size()));
            return splice(tar, at.start(), at.start(), Arrays.copyOfRange(tar, s.start(), s.end()));
        }
    }

    record Remove(int entry) implements Mutation {
        public byte[] apply(byte[] tar) {
            TarMap map = TarMap.of(tar);
            if (map.entries().isEmpty()) {
                return tar;
            }
            TarMap.Span s = map.entries().get(Math.floorMod(entry, map.entries().size()));
            return splice(tar, s.start(), s.end(), new byte[0]);
        }
    }

    record Swap(int a, int b) implements Mutation {
        public byte[] apply(byte[] tar) {
            TarMap map = TarMap.of(tar);
            int n = map.entries().size();
            if (n < 2) {
                return tar;
            }
            TarMap.Span x = map.entries().get(Math.floorMod(a, n));
            TarMap.Span y = map.entries().get(Math.floorMod(b, n));
            if (x.start() == y.start()) {
                return tar;
            }
            TarMap.Span first = x.start() < y.start() ? x : y;
            TarMap.Span second = first == x ? y : x;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(tar, 0, first.start());
            out.write(tar, second.start(), second.end() - second.start());
            out.write(tar, first.end(), second.start() - first.end());
            out.write(tar, first.start(), first.end() - first.start());
            out.write(tar, second.end(), tar.length - second.end());
            return out.toByteArray();
        }
    }

    /** Rewrites manifest.json (when it is still the first entry) and fixes its header: the listing then may agree with other mutations. */
    record EditManifest(ManifestEdit edit, int file) implements Mutation {
        public byte[] apply(byte[] tar) {
            TarMap map = TarMap.of(tar);
            if (map.entries().isEmpty() || !TarMap.name(tar, map.entries().get(0).header()).equals(BundleLayout.MANIFEST)) {
                return tar;
            }
            TarMap.Span s = map.entries().get(0);
            int size = (int) TarMap.size(tar, s.header());
            if (s.header() + 512 + size > tar.length) {
                return tar;
            }
            byte[] json;
            try {
                ObjectNode m = (ObjectNode) BundleManifest.JSON.readTree(Arrays.copyOfRange(tar, s.header() + 512, s.header() + 512 + size));
                ArrayNode files = (ArrayNode) m.get("files");
                int i = files == null || files.isEmpty() ? -1 : Math.floorMod(file, files.size());
                switch (edit) {
                    case DROP_FILE -> {
                        if (i >= 0) {
                            files.remove(i);
                        }
                    }
                    case TOGGLE_MODE -> {
                        if (i >= 0 && files.get(i).has("sha256")) {
                            ObjectNode f = (ObjectNode) files.get(i);
                            f.put("mode", f.get("mode").asText().equals("0755") ? "0644" : "0755");
                        }
                    }
                    case GROW_SIZE -> {
                        if (i >= 0) {
                            ObjectNode f = (ObjectNode) files.get(i);
                            f.put("size", f.get("size").asLong() + 512);
                        }
                    }
                    case LIST_ESCAPE -> files.addObject().put("path", "lib/../../escape").put("size", 4)
                            .put("sha256", Digests.sha256("evil".getBytes(StandardCharsets.UTF_8))).put("mode", "0644");
                    case HUGE_LISTING -> {
                        for (int k = 0; k < 500; k++) { // over the property's limit of 400 entries
                            files.addObject().put("path", "doc/f" + k).put("size", 1).put("sha256", "0".repeat(64)).put("mode", "0644");
                        }
                    }
                    case RETARGET_LINK -> {
                        for (var f : files) {
                            if (f.has("link")) {
                                ((ObjectNode) f).put("link", "../../../etc/passwd");
                                break;
                            }
                        }
                    }
                    case RENAME -> m.put("name", "other");
                }
                json = BundleManifest.JSON.writeValueAsBytes(m);
            } catch (java.io.IOException | RuntimeException e) {
                return tar; // the manifest was already broken by another mutation
            }
            byte[] entry = new RawTar().file(BundleLayout.MANIFEST, json).bytes();
            return splice(tar, s.start(), s.end(), entry);
        }
    }

    enum ManifestEdit { DROP_FILE, TOGGLE_MODE, GROW_SIZE, LIST_ESCAPE, HUGE_LISTING, RETARGET_LINK, RENAME }

    private static String resolve(String template, byte[] tar, int header) {
        return template.replace("$NAME", TarMap.name(tar, header))
                .replace("$SIZE", Long.toString(Math.max(0, TarMap.size(tar, header))))
                .replace("$LINK", linkName(tar, header));
    }

    private static String linkName(byte[] tar, int header) {
        int end = header + 157;
        while (end < header + 257 && tar[end] != 0) {
            end++;
        }
        return new String(tar, header + 157, end - header - 157, StandardCharsets.UTF_8);
    }

    private static byte[] splice(byte[] tar, int from, int to, byte[] insert) {
        byte[] out = new byte[tar.length - (to - from) + insert.length];
        System.arraycopy(tar, 0, out, 0, from);
        System.arraycopy(insert, 0, out, from, insert.length);
        System.arraycopy(tar, to, out, from + insert.length, tar.length - to);
        return out;
    }
}
