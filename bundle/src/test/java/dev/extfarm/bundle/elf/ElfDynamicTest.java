package dev.extfarm.bundle.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader agrees with binutils ({@code nm -D}, {@code readelf -V}) on real files, and survives damaged ones. */
class ElfDynamicTest {

    @TempDir
    Path tmp;

    static final Path LIBC = Path.of("/lib/x86_64-linux-gnu/libc.so.6");

    private static List<String> run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out.lines().toList();
    }

    @Test
    void readsWhatNmAndReadelfReadOnARealProgram() throws Exception {
        Path ls = Path.of("/bin/ls");
        assumeTrue(Files.isRegularFile(ls) && Files.isExecutable(Path.of("/usr/bin/nm")));
        ElfDynamic d = ElfDynamic.read(ls).orElseThrow();
        // nm -D --undefined-only prints 'U name@GLIBC_2.2.5' for versioned imports; ls imports from libc only
        Set<String> versioned = new TreeSet<>();
        for (String l : run("nm", "-D", "--undefined-only", ls.toString())) {
            String name = l.strip().replaceFirst("^[Uw]\\s+", "");
            if (name.contains("@")) {
                versioned.add(name.substring(name.indexOf('@') + 1).replace("@", ""));
            }
        }
        assertThat(d.versionsNeeded()).containsAll(versioned);
        assertThat(d.imports()).as("every import of ls is versioned (libc)").isEmpty();
    }

    @Test
    void readsTheVersionsLibcDefines() throws Exception {
        assumeTrue(Files.isRegularFile(LIBC));
        ElfDynamic libc = ElfDynamic.read(LIBC).orElseThrow();
        assertThat(libc.versionsDefined()).contains("GLIBC_2.2.5", "GLIBC_2.34");
        assertThat(libc.exports()).contains("memcpy", "gnu_get_libc_version");
    }

    @Test
    void readsTheUnversionedImportsOfAModule() throws Exception {
        Path module = Path.of("/usr/lib/postgresql/15/lib/auto_explain.so");
        assumeTrue(Files.isRegularFile(module));
        ElfDynamic d = ElfDynamic.read(module).orElseThrow();
        Set<String> expected = new TreeSet<>();
        for (String l : run("nm", "-D", "--undefined-only", module.toString())) {
            String[] f = l.strip().split("\\s+");
            if (f.length == 2 && f[0].equals("U") && !f[1].contains("@")) {
                expected.add(f[1]);
            }
        }
        assertThat(d.imports()).isEqualTo(expected).contains("ExecutorStart_hook", "errstart");
        assertThat(d.exports()).contains("_PG_init");
    }

    @Test
    void aDamagedFileIsUnreadableNotAnError() throws Exception {
        assumeTrue(Files.isRegularFile(LIBC));
        byte[] good = Files.readAllBytes(LIBC);
        Path f = tmp.resolve("damaged.so");
        Files.write(f, "not an elf".getBytes(StandardCharsets.US_ASCII));
        assertThat(ElfDynamic.read(f)).isEmpty();
        Files.write(f, java.util.Arrays.copyOf(good, 4096)); // headers point past the end
        assertThat(ElfDynamic.read(f)).isEmpty();
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 200; i++) {
            byte[] bad = good.clone();
            for (int k = 0; k < 20; k++) {
                bad[r.nextInt(bad.length)] = (byte) r.nextInt(256);
            }
            // the section headers live at the end of the file: damage them too
            for (int k = 0; k < 8; k++) {
                bad[bad.length - 1 - r.nextInt(4096)] = (byte) r.nextInt(256);
            }
            Files.write(f, bad);
            ElfDynamic.read(f); // never throws but IOException
        }
    }
}
