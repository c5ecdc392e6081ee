package dev.extfarm.bundle;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes tar bytes header by header, with no normalisation at all, so tests can craft the
 * hostile archives a well-behaved writer would never produce.
 */
final class RawTar {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int lastHeader = -1;

    /** A header with POSIX ustar magic; {@code name} is written as raw bytes. */
    RawTar header(byte[] name, char type, int mode, long size, String linkName) {
        return header(name, type, mode, size, linkName, "ustar\0", "00", null);
    }

    RawTar header(String name, char type, int mode, long size, String linkName) {
        return header(name.getBytes(StandardCharsets.UTF_8), type, mode, size, linkName);
    }

    RawTar header(byte[] name, char type, int mode, long size, String linkName, String magic, String version,
                  byte[] sizeField) {
        byte[] h = new byte[512];
        System.arraycopy(name, 0, h, 0, Math.min(name.length, 100));
        octal(h, 100, 8, mode);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        if (sizeField != null) {
            System.arraycopy(sizeField, 0, h, 124, 12);
        } else {
            octal(h, 124, 12, size);
        }
        octal(h, 136, 12, 0);
        h[156] = (byte) type;
        if (linkName != null) {
            byte[] l = linkName.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(l, 0, h, 157, Math.min(l.length, 100));
        }
        byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(m, 0, h, 257, m.length);
        byte[] v = version.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(v, 0, h, 263, v.length);
        checksum(h);
        lastHeader = out.size();
        out.writeBytes(h);
        return this;
    }

    /** Changes the last header written (then fixes its checksum): for fields the other methods leave at their defaults. */
    RawTar edit(java.util.function.Consumer<byte[]> change) {
        byte[] all = out.toByteArray();
        byte[] h = Arrays.copyOfRange(all, lastHeader, lastHeader + 512);
        change.accept(h);
        checksum(h);
        System.arraycopy(h, 0, all, lastHeader, 512);
        out.reset();
        out.writeBytes(all);
        return this;
    }

    /** Stores the last header's checksum as the sum of signed bytes, as some old tars did. */
    RawTar signedChecksum() {
        byte[] all = out.toByteArray();
        Arrays.fill(all, lastHeader + 148, lastHeader + 156, (byte) ' ');
        long sum = 0;
        for (int i = lastHeader; i < lastHeader + 512; i++) {
            sum += all[i];
        }
        byte[] b = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, all, lastHeader + 148, 6);
        all[lastHeader + 154] = 0;
        out.reset();
        out.writeBytes(all);
        return this;
    }

    /** Writes {@code value} into the last header at {@code offset}, e.g. {@code set(265, "postgres")} for the user name. */
    RawTar set(int offset, String value) {
        return edit(h -> {
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            System.arraycopy(v, 0, h, offset, v.length);
        });
    }

    /** An octal field of the last header, e.g. {@code octalField(108, 8, 1000)} for the uid. */
    RawTar octalField(int offset, int length, long value) {
        return edit(h -> octal(h, offset, length, value));
    }

    RawTar file(String name, byte[] data) {
        return file(name, 0644, data);
    }

    RawTar file(String name, int mode, byte[] data) {
        header(name, '0', mode, data.length, null);
        return data(data);
    }

    RawTar file(String name, String text) {
        return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    RawTar dir(String name) {
        return header(name, '5', 0755, 0, null);
    }

    RawTar symlink(String name, String target) {
        return header(name, '2', 0777, 0, target);
    }

    RawTar data(byte[] data) {
        out.writeBytes(data);
        int pad = (512 - data.length % 512) % 512;
        out.writeBytes(new byte[pad]);
        return this;
    }

    /** A PAX extended header with the given records ("key=value" each). */
    RawTar pax(String... records) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (String r : records) {
            body.writeBytes(paxRecord(r));
        }
        byte[] b = body.toByteArray();
        header("./PaxHeaders/x", 'x', 0644, b.length, null);
        return data(b);
    }

    /** A PAX extended header with the given body, well-formed or not. */
    RawTar paxRaw(byte[] body) {
        header("./PaxHeaders/x", 'x', 0644, body.length, null);
        return data(body);
    }

    /** A GNU long name ('L') or long link ('K') header carrying {@code value} + NUL. */
    RawTar gnuLong(char type, String value) {
        byte[] v = (value + "\0").getBytes(StandardCharsets.UTF_8);
        header("././@LongLink", type, 0644, v.length, null);
        return data(v);
    }

    static byte[] paxRecord(String keyValue) {
        byte[] kv = (" " + keyValue + "\n").getBytes(StandardCharsets.UTF_8);
        int len = kv.length + 1;
        while (String.valueOf(len).length() + kv.length != len) {
            len++;
        }
        return (len + " " + keyValue + "\n").getBytes(StandardCharsets.UTF_8);
    }

    RawTar raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    RawTar end() {
        out.writeBytes(new byte[1024]);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    private static void octal(byte[] h, int off, int len, long value) {
        String s = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        byte[] b = padded.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, off, Math.min(b.length, len - 1));
        h[off + len - 1] = 0;
    }

    static void checksum(byte[] h) {
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        String s = String.format("%06o", sum);
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, 148, 6);
        h[154] = 0;
        h[155] = ' ';
    }
}
