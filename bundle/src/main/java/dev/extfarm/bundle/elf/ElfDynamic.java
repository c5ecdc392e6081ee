package dev.extfarm.bundle.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What an ELF file asks of and offers to the dynamic linker, read from its section headers: the
 * dynamic symbols it imports and exports, the symbol versions it needs ({@code .gnu.version_r},
 * e.g. {@code GLIBC_2.34}) and the versions it defines ({@code .gnu.version_d}: what a
 * {@code libc.so.6} provides). The same facts {@code nm -D} and {@code readelf -V} print.
 *
 * <p>The file may be a build's output or a bundle's content: nothing in it is trusted. Every
 * offset, size and count is checked against the file before it is read, names are kept only when
 * they are printable and short, and a malformed file is answered with {@link Optional#empty()}.
 *
 * @param imports         global, non-weak undefined symbols without a symbol version: what the
 *                        loading process (PostgreSQL's {@code postgres}) or an unversioned library
 *                        must provide; a weak reference may stay unresolved and is not listed
 * @param exports         global and weak symbols the file defines
 * @param versionsNeeded  the symbol versions it needs from its libraries ({@code GLIBC_2.34}, {@code GCC_3.0})
 * @param versionsDefined the symbol versions it defines (a library's own, e.g. libc's {@code GLIBC_2.36})
 */
public record ElfDynamic(Set<String> imports, Set<String> exports, Set<String> versionsNeeded, Set<String> versionsDefined) {

    /** More sections than any real file has; a header claiming more is not read. */
    static final int MAX_SECTIONS = 8192;
    /** More dynamic symbols than any real file has (PostgreSQL exports about 10,000). */
    static final int MAX_SYMBOLS = 1 << 20;
    static final int MAX_NAME = 255;
    private static final int MAX_VERSION_ENTRIES = 4096;

    private static final int SHT_DYNSYM = 11;
    private static final int SHT_GNU_VERDEF = 0x6ffffffd;
    private static final int SHT_GNU_VERNEED = 0x6ffffffe;
    private static final int SHT_GNU_VERSYM = 0x6fffffff;
    private static final int STB_GLOBAL = 1;
    private static final int STB_WEAK = 2;
    private static final int SHN_UNDEF = 0;

    public ElfDynamic {
        imports = Set.copyOf(imports);
        exports = Set.copyOf(exports);
        versionsNeeded = Set.copyOf(versionsNeeded);
        versionsDefined = Set.copyOf(versionsDefined);
    }

    /** True if the file starts with the ELF magic. */
    public static boolean isElf(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4);
            return read(ch, b, 0) && b.get(0) == 0x7f && b.get(1) == 'E' && b.get(2) == 'L' && b.get(3) == 'F';
        }
    }

    /** Reads the file; empty if it is not an ELF file or is malformed. */
    public static Optional<ElfDynamic> read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Reader(ch).read();
        }
    }

    /** One section header: type, link, info, file offset and size, entry size. */
    private record Section(long type, int link, long info, long offset, long size, long entsize) {
    }

    private static final class Reader {
        private final FileChannel ch;
        private final long fileSize;
        private boolean is64;
        private ByteOrder order;
        private Section[] sections;

        Reader(FileChannel ch) throws IOException {
            this.ch = ch;
            this.fileSize = ch.size();
        }

        Optional<ElfDynamic> read() throws IOException {
            ByteBuffer h = ByteBuffer.allocate(64);
            if (fileSize < 64 || !ElfDynamic.read(ch, h, 0) || h.get(0) != 0x7f || h.get(1) != 'E' || h.get(2) != 'L' || h.get(3) != 'F') {
                return Optional.empty();
            }
            is64 = h.get(4) == 2;
            if (h.get(4) != 1 && !is64 || h.get(5) != 1 && h.get(5) != 2) {
                return Optional.empty();
            }
            order = h.get(5) == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
            h.order(order);
            long shoff = is64 ? h.getLong(0x28) : Integer.toUnsignedLong(h.getInt(0x20));
            int shentsize = Short.toUnsignedInt(h.getShort(is64 ? 0x3A : 0x2E));
            int shnum = Short.toUnsignedInt(h.getShort(is64 ? 0x3C : 0x30));
            if (shnum == 0 || shnum > MAX_SECTIONS || shentsize < (is64 ? 64 : 40) || shoff < 0 || shoff > fileSize
                    || (long) shnum * shentsize > fileSize - shoff) {
                return Optional.empty();
            }
            ByteBuffer table = ByteBuffer.allocate(shnum * shentsize).order(order);
            if (!ElfDynamic.read(ch, table, shoff)) {
                return Optional.empty();
            }
            sections = new Section[shnum];
            for (int i = 0; i < shnum; i++) {
                int at = i * shentsize;
                long type = Integer.toUnsignedLong(table.getInt(at + 4));
                long offset = is64 ? table.getLong(at + 0x18) : Integer.toUnsignedLong(table.getInt(at + 0x10));
                long size = is64 ? table.getLong(at + 0x20) : Integer.toUnsignedLong(table.getInt(at + 0x14));
                int link = table.getInt(at + (is64 ? 0x28 : 0x18));
                long info = Integer.toUnsignedLong(table.getInt(at + (is64 ? 0x2C : 0x1C)));
                long entsize = is64 ? table.getLong(at + 0x38) : Integer.toUnsignedLong(table.getInt(at + 0x24));
                sections[i] = new Section(type, link, info, offset, size, entsize);
            }
            Set<String> imports = new TreeSet<>();
            Set<String> exports = new TreeSet<>();
            Set<String> needed = new TreeSet<>();
            Set<String> defined = new TreeSet<>();
            try {
                for (Section s : sections) {
                    if (s.type() == SHT_GNU_VERNEED) {
                        versionsNeeded(s, needed);
                    } else if (s.type() == SHT_GNU_VERDEF) {
                        versionsDefined(s, defined);
                    }
                }
                for (Section s : sections) {
                    if (s.type() == SHT_DYNSYM) {
                        symbols(s, imports, exports);
                    }
                }
            } catch (Malformed e) {
                return Optional.empty();
            }
            return Optional.of(new ElfDynamic(imports, exports, needed, defined));
        }

        private void symbols(Section dynsym, Set<String> imports, Set<String> exports) throws IOException, Malformed {
            int entsize = is64 ? 24 : 16;
            ByteBuffer syms = contents(dynsym);
            ByteBuffer strings = contents(linked(dynsym));
            long count = dynsym.size() / entsize;
            if (count > MAX_SYMBOLS) {
                throw new Malformed();
            }
            ByteBuffer versym = null;
            for (Section s : sections) {
                if (s.type() == SHT_GNU_VERSYM && s.size() >= count * 2) {
                    versym = contents(s);
                }
            }
            for (int i = 1; i < count; i++) { // entry 0 is the null symbol
                int at = i * entsize;
                long nameOffset = Integer.toUnsignedLong(syms.getInt(at));
                int info = Byte.toUnsignedInt(syms.get(at + (is64 ? 4 : 12)));
                int shndx = Short.toUnsignedInt(syms.getShort(at + (is64 ? 6 : 14)));
                int binding = info >> 4;
                if (binding != STB_GLOBAL && binding != STB_WEAK) {
                    continue;
                }
                String name = string(strings, nameOffset);
                if (name == null || name.isEmpty()) {
                    continue;
                }
                if (shndx != SHN_UNDEF) {
                    exports.add(name);
                    continue;
                }
                // version index 0 (local) or 1 (global): no version, so not bound to a versioned library
                int version = versym == null ? 1 : Short.toUnsignedInt(versym.getShort(i * 2)) & 0x7fff;
                if (binding == STB_GLOBAL && version <= 1) {
                    imports.add(name);
                }
            }
        }

        /** Elf_Verneed entries, each with its Elf_Vernaux list: the names of the versions needed. */
        private void versionsNeeded(Section s, Set<String> out) throws IOException, Malformed {
            ByteBuffer b = contents(s);
            ByteBuffer strings = contents(linked(s));
            long at = 0;
            for (int n = 0; n < Math.min(s.info(), MAX_VERSION_ENTRIES); n++) {
                int cnt = Short.toUnsignedInt(b.getShort(check(b, at, 16) + 2));
                long aux = at + Integer.toUnsignedLong(b.getInt((int) at + 8));
                for (int k = 0; k < Math.min(cnt, MAX_VERSION_ENTRIES); k++) {
                    int a = check(b, aux, 16);
                    String name = string(strings, Integer.toUnsignedLong(b.getInt(a + 8)));
                    if (name != null) {
                        out.add(name);
                    }
                    long next = Integer.toUnsignedLong(b.getInt(a + 12));
                    if (next == 0) {
                        break;
                    }
                    aux += next;
                }
                long next = Integer.toUnsignedLong(b.getInt((int) at + 12));
                if (next == 0) {
                    break;
                }
                at += next;
            }
        }

        /** Elf_Verdef entries: the first Elf_Verdaux of each names the version (the file's own name is flagged VER_FLG_BASE). */
        private void versionsDefined(Section s, Set<String> out) throws IOException, Malformed {
            ByteBuffer b = contents(s);
            ByteBuffer strings = contents(linked(s));
            long at = 0;
            for (int n = 0; n < Math.min(s.info(), MAX_VERSION_ENTRIES); n++) {
                int e = check(b, at, 20);
                int flags = Short.toUnsignedInt(b.getShort(e + 2));
                int cnt = Short.toUnsignedInt(b.getShort(e + 6));
                if (cnt > 0 && (flags & 1) == 0) {
                    int a = check(b, at + Integer.toUnsignedLong(b.getInt(e + 12)), 8);
                    String name = string(strings, Integer.toUnsignedLong(b.getInt(a)));
                    if (name != null) {
                        out.add(name);
                    }
                }
                long next = Integer.toUnsignedLong(b.getInt(e + 16));
                if (next == 0) {
                    break;
                }
                at += next;
            }
        }

        private Section linked(Section s) throws Malformed {
            if (s.link() <= 0 || s.link() >= sections.length) {
                throw new Malformed();
            }
            return sections[s.link()];
        }

        private ByteBuffer contents(Section s) throws IOException, Malformed {
            if (s.offset() < 0 || s.size() < 0 || s.offset() > fileSize || s.size() > fileSize - s.offset()
                    || s.size() > Integer.MAX_VALUE - 8) {
                throw new Malformed();
            }
            ByteBuffer b = ByteBuffer.allocate((int) s.size()).order(order);
            if (!ElfDynamic.read(ch, b, s.offset())) {
                throw new Malformed();
            }
            return b;
        }

        private static int check(ByteBuffer b, long at, int length) throws Malformed {
            if (at < 0 || at > b.capacity() - length) {
                throw new Malformed();
            }
            return (int) at;
        }

        /** A NUL-terminated printable name at {@code offset}, or null. */
        private static String string(ByteBuffer strings, long offset) {
            if (offset < 0 || offset >= strings.capacity()) {
                return null;
            }
            StringBuilder s = new StringBuilder();
            for (long i = offset; i < strings.capacity() && s.length() <= MAX_NAME; i++) {
                byte c = strings.get((int) i);
                if (c == 0) {
                    return s.toString();
                }
                if (c < 0x21 || c > 0x7e) {
                    return null;
                }
                s.append((char) c);
            }
            return null;
        }
    }

    /** A count, offset or link that does not fit the file. */
    private static final class Malformed extends Exception {
        Malformed() {
            super(null, null, false, false);
        }
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
