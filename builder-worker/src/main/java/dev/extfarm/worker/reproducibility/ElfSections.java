package dev.extfarm.worker.reproducibility;

import dev.extfarm.bundle.Digests;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The sections of an ELF file, read from its section header table: name → sha-256 of the
 * section's bytes (size and type included, so an empty {@code .bss} of another size differs too).
 * The file is a build's output, so nothing in it is trusted: every offset, size and count is
 * checked against the file before it is used, names are kept only when printable, and anything
 * malformed is answered with {@link Optional#empty()} (the entry is compared as bytes only).
 */
public final class ElfSections {

    /** More sections than any real module has; a header claiming more is not read. */
    static final int MAX_SECTIONS = 4096;
    private static final int MAX_NAME = 128;
    private static final int SHT_NOBITS = 8;

    private ElfSections() {
    }

    /** True if the file starts with the ELF magic. */
    public static boolean isElf(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4);
            return read(ch, b, 0) && b.get(0) == 0x7f && b.get(1) == 'E' && b.get(2) == 'L' && b.get(3) == 'F';
        }
    }

    /** Section name (with {@code #n} appended to a repeated name) → digest of type, size and content; empty if unreadable. */
    public static Optional<Map<String, String>> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            ByteBuffer ident = ByteBuffer.allocate(64);
            if (!read(ch, ident, 0) || ident.get(0) != 0x7f || ident.get(1) != 'E' || ident.get(2) != 'L' || ident.get(3) != 'F') {
                return Optional.empty();
            }
            boolean is64 = ident.get(4) == 2;
            if (ident.get(4) != 1 && !is64 || ident.get(5) != 1 && ident.get(5) != 2) {
                return Optional.empty();
            }
            ident.order(ident.get(5) == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            long shoff = is64 ? ident.getLong(0x28) : Integer.toUnsignedLong(ident.getInt(0x20));
            int shentsize = Short.toUnsignedInt(ident.getShort(is64 ? 0x3A : 0x2E));
            int shnum = Short.toUnsignedInt(ident.getShort(is64 ? 0x3C : 0x30));
            int shstrndx = Short.toUnsignedInt(ident.getShort(is64 ? 0x3E : 0x32));
            int minEntry = is64 ? 64 : 40;
            if (shnum == 0 || shnum > MAX_SECTIONS || shentsize < minEntry || shoff < 0 || shstrndx >= shnum
                    || shoff > fileSize || (long) shnum * shentsize > fileSize - shoff) {
                return Optional.empty();
            }
            ByteBuffer table = ByteBuffer.allocate(shnum * shentsize).order(ident.order());
            if (!read(ch, table, shoff)) {
                return Optional.empty();
            }
            List<long[]> headers = new ArrayList<>(); // name offset, type, offset, size
            for (int i = 0; i < shnum; i++) {
                int at = i * shentsize;
                long name = Integer.toUnsignedLong(table.getInt(at));
                long type = Integer.toUnsignedLong(table.getInt(at + 4));
                long offset = is64 ? table.getLong(at + 0x18) : Integer.toUnsignedLong(table.getInt(at + 0x10));
                long size = is64 ? table.getLong(at + 0x20) : Integer.toUnsignedLong(table.getInt(at + 0x14));
                if (type != SHT_NOBITS && (offset < 0 || size < 0 || offset > fileSize || size > fileSize - offset)) {
                    return Optional.empty();
                }
                headers.add(new long[] {name, type, offset, size});
            }
            long[] strtab = headers.get(shstrndx);
            Map<String, String> out = new LinkedHashMap<>();
            TreeSet<String> seen = new TreeSet<>();
            for (int i = 0; i < headers.size(); i++) {
                long[] h = headers.get(i);
                String name = name(ch, strtab, h[0]).orElse("#" + i);
                String key = seen.add(name) ? name : name + "#" + i;
                seen.add(key);
                out.put(key, digest(ch, h));
            }
            return Optional.of(out);
        }
    }

    /** The names of the sections that differ between two ELF files (present on one side only included), sorted. */
    public static Optional<List<String>> differing(Path a, Path b) throws IOException {
        Optional<Map<String, String>> left = read(a);
        Optional<Map<String, String>> right = read(b);
        if (left.isEmpty() || right.isEmpty()) {
            return Optional.empty();
        }
        TreeSet<String> names = new TreeSet<>(left.get().keySet());
        names.addAll(right.get().keySet());
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (!String.valueOf(left.get().get(n)).equals(String.valueOf(right.get().get(n)))) {
                out.add(n);
            }
        }
        return Optional.of(out);
    }

    private static Optional<String> name(FileChannel ch, long[] strtab, long offset) throws IOException {
        if (strtab[1] == SHT_NOBITS || offset >= strtab[3]) {
            return Optional.empty();
        }
        int len = (int) Math.min(MAX_NAME + 1, strtab[3] - offset);
        ByteBuffer b = ByteBuffer.allocate(len);
        if (!read(ch, b, strtab[2] + offset)) {
            return Optional.empty();
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < len; i++) {
            byte c = b.get(i);
            if (c == 0) {
                return s.isEmpty() ? Optional.of("(null)") : Optional.of(s.toString());
            }
            if (c < 0x21 || c > 0x7e) {
                return Optional.empty();
            }
            s.append((char) c);
        }
        return Optional.empty(); // longer than MAX_NAME or not terminated
    }

    private static String digest(FileChannel ch, long[] h) throws IOException {
        MessageDigest md = Digests.newSha256();
        md.update(("type " + h[1] + " size " + h[3] + "\n").getBytes(StandardCharsets.US_ASCII));
        if (h[1] != SHT_NOBITS) {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long pos = h[2];
            long end = h[2] + h[3];
            while (pos < end) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                int n = ch.read(buf, pos);
                if (n <= 0) {
                    break;
                }
                md.update(buf.array(), 0, n);
                pos += n;
            }
        }
        return Digests.hex(md.digest());
    }

    private static boolean read(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, at + b.position());
            if (n <= 0) {
                return false;
            }
        }
        b.flip();
        b.limit(b.capacity());
        return true;
    }
}
