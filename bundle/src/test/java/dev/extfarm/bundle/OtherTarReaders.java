package dev.extfarm.bundle;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * How other tar readers see the same bytes, to show a parser differential: Commons Compress
 * (honours PAX and GNU long names, as GNU tar, Go's archive/tar and Python's tarfile do) and a
 * reader that trusts the ustar header alone (as old or minimal readers do).
 */
final class OtherTarReaders {

    private OtherTarReaders() {
    }

    /** "name" for files and directories, "name -> target" for links, as Commons Compress reads them. */
    static List<String> commonsCompress(byte[] tar) throws IOException {
        List<String> out = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar), StandardCharsets.UTF_8.name())) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                out.add(e.isSymbolicLink() ? e.getName() + " -> " + e.getLinkName() : e.getName());
            }
        }
        return out;
    }

    /** The same, from the ustar header fields alone: extended headers are skipped by their header's size. */
    static List<String> headersOnly(byte[] tar) {
        List<String> out = new ArrayList<>();
        int pos = 0;
        while (pos + 512 <= tar.length) {
            byte[] h = Arrays.copyOfRange(tar, pos, pos + 512);
            if (h[0] == 0) {
                break;
            }
            String name = text(h, 0, 100);
            String link = text(h, 157, 100);
            long size = Long.parseLong(text(h, 124, 12).trim().isEmpty() ? "0" : text(h, 124, 12).trim(), 8);
            char type = (char) h[156];
            if (type != 'x' && type != 'g' && type != 'L' && type != 'K') {
                out.add(type == '2' ? name + " -> " + link : name);
            }
            pos += 512 + (int) ((size + 511) / 512 * 512);
        }
        return out;
    }

    private static String text(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }
}
