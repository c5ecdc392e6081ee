package dev.extfarm.recipe.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/** Archive formats a source may come in, recognised by their first bytes (never by file name). */
enum ArchiveFormat {
    TAR_GZIP, TAR_XZ, TAR_BZIP2, TAR, ZIP;

    static Optional<ArchiveFormat> detect(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(512);
        }
        if (startsWith(head, 0x1f, 0x8b)) {
            return Optional.of(TAR_GZIP);
        }
        if (startsWith(head, 0xfd, '7', 'z', 'X', 'Z', 0x00)) {
            return Optional.of(TAR_XZ);
        }
        if (startsWith(head, 'B', 'Z', 'h')) {
            return Optional.of(TAR_BZIP2);
        }
        if (startsWith(head, 'P', 'K', 3, 4) || startsWith(head, 'P', 'K', 5, 6)) {
            return Optional.of(ZIP);
        }
        if (head.length >= 262 && Arrays.equals(Arrays.copyOfRange(head, 257, 262), new byte[] {'u', 's', 't', 'a', 'r'})) {
            return Optional.of(TAR);
        }
        return Optional.empty();
    }

    private static boolean startsWith(byte[] bytes, int... prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
