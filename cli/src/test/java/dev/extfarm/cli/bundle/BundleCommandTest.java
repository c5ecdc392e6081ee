package dev.extfarm.cli.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleCommandTest {

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    private Path tree() throws Exception {
        Path t = tmp.resolve("tree");
        Files.createDirectories(t.resolve("share/extension"));
        Files.createDirectories(t.resolve("lib"));
        Files.writeString(t.resolve("share/extension/hello.control"),
                "default_version = '1.0'\nrequires = 'plpgsql, cube'\nmodule_pathname = '$libdir/hello'\n");
        Files.writeString(t.resolve("share/extension/hello--1.0.sql"), "select 1;\n");
        Files.write(t.resolve("lib/hello.so"), new byte[]{0x7f, 'E', 'L', 'F'});
        return t;
    }

    @Test
    void packPrintsTheAddressAndVerifyAndUnpackAccept() throws Exception {
        Path t = tree();
        Result pack = run("bundle", "pack", t.toString(), "--name", "hello", "--version", "1.0", "--pg-major", "15",
                "--platform", "debian-12-amd64-glibc", "--license", "MIT", "-o", tmp.resolve("h.tar").toString());
        assertThat(pack.code).as(pack.err).isZero();
        assertThat(pack.out.strip()).matches("extensions/hello/sha-256\\+[0-9a-f]{64}/bundle.tar");
        String hex = pack.out.strip().split("\\+")[1].substring(0, 64);

        Result verify = run("bundle", "verify", tmp.resolve("h.tar").toString(), "--sha256", hex);
        assertThat(verify.code).as(verify.err).isZero();
        assertThat(verify.out).contains("hello 1.0 for PostgreSQL 15 on debian-12-amd64-glibc").contains("extensions hello");

        Result unpack = run("bundle", "unpack", tmp.resolve("h.tar").toString(), tmp.resolve("out").toString());
        assertThat(unpack.code).as(unpack.err).isZero();
        assertThat(tmp.resolve("out/lib/hello.so")).hasSameBinaryContentAs(t.resolve("lib/hello.so"));
        String manifest = Files.readString(tmp.resolve("out/manifest.json"));
        assertThat(manifest).contains("\"requires\" : [ \"plpgsql\", \"cube\" ]").contains("\"libraries\" : [ \"hello\" ]");
    }

    @Test
    void explainSaysWhereEachFileCameFrom() throws Exception {
        Path t = tree();
        assertThat(run("bundle", "pack", t.toString(), "--name", "hello", "--version", "1.0", "--pg-major", "15",
                "--platform", "debian-12-amd64-glibc", "-o", tmp.resolve("h.tar").toString()).code).isZero();
        Result explain = run("bundle", "explain", tmp.resolve("h.tar").toString());
        assertThat(explain.code).as(explain.err).isZero();
        assertThat(explain.out).contains("packed by hand").contains("lib/hello.so").contains("installed by the extension's make install");
    }

    @Test
    void verifyProvenanceChecksTheEnvelopeSignatureAndTheSubject() throws Exception {
        Path t = tree();
        Result pack = run("bundle", "pack", t.toString(), "--name", "hello", "--version", "1.0", "--pg-major", "15",
                "--platform", "debian-12-amd64-glibc", "-o", tmp.resolve("h.tar").toString());
        String hex = pack.out.strip().split("\\+")[1].substring(0, 64);
        var farm = dev.extfarm.bundle.sign.SigningKey.generate("farm-test");
        Path keys = Files.writeString(tmp.resolve("keys.json"), new dev.extfarm.bundle.sign.KeySet(java.util.List.of(farm)).toJson().toString());
        String statement = "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"name\":\"x\",\"digest\":{\"sha256\":\""
                + hex + "\"}}],\"predicateType\":\"https://slsa.dev/provenance/v1\",\"predicate\":{}}";
        Path prov = Files.write(tmp.resolve("prov.json"), dev.extfarm.bundle.sign.Dsse.sign(dev.extfarm.bundle.sign.Dsse.IN_TOTO_PAYLOAD_TYPE,
                statement.getBytes(java.nio.charset.StandardCharsets.UTF_8), farm));
        Result ok = run("bundle", "verify-provenance", prov.toString(), "--keys", keys.toString(), "--bundle", tmp.resolve("h.tar").toString());
        assertThat(ok.code).as(ok.err).isZero();
        assertThat(ok.out).contains("https://slsa.dev/provenance/v1");
        assertThat(ok.err).contains("provenance valid, key farm-test");

        Path otherKeys = Files.writeString(tmp.resolve("other.json"), new dev.extfarm.bundle.sign.KeySet(java.util.List.of(
                dev.extfarm.bundle.sign.SigningKey.generate("stranger"))).toJson().toString());
        Result untrusted = run("bundle", "verify-provenance", prov.toString(), "--keys", otherKeys.toString());
        assertThat(untrusted.code).isEqualTo(1);
        assertThat(untrusted.err).contains("rejected: signature-untrusted-key").contains("farm-test");

        Files.write(t.resolve("lib/hello.so"), new byte[]{0x7f, 'E', 'L', 'F', 1});
        run("bundle", "pack", t.toString(), "--name", "hello", "--version", "1.0", "--pg-major", "15",
                "--platform", "debian-12-amd64-glibc", "-o", tmp.resolve("h2.tar").toString());
        Result other = run("bundle", "verify-provenance", prov.toString(), "--keys", keys.toString(), "--bundle", tmp.resolve("h2.tar").toString());
        assertThat(other.code).isEqualTo(1);
        assertThat(other.err).contains("rejected: subject-mismatch");
    }

    @Test
    void aHostileBundleIsRejectedWithOneLineNamingTheRule() throws Exception {
        Path evil = tmp.resolve("evil.tar");
        try (var tar = new TarArchiveOutputStream(Files.newOutputStream(evil))) {
            TarArchiveEntry link = new TarArchiveEntry("lib/passwd", TarConstants.LF_SYMLINK);
            link.setLinkName("../../../etc/passwd");
            tar.putArchiveEntry(link);
            tar.closeArchiveEntry();
        }
        Result verify = run("bundle", "verify", evil.toString());
        assertThat(verify.code).isEqualTo(1);
        assertThat(verify.err.strip()).startsWith("rejected: link-escape: lib/passwd: ").doesNotContain("\n");

        Result unpack = run("bundle", "unpack", evil.toString(), tmp.resolve("x").toString());
        assertThat(unpack.code).isEqualTo(1);
        assertThat(unpack.err).startsWith("rejected: link-escape: lib/passwd: ");
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    @Test
    void usageErrorsExitWithTwo() throws Exception {
        assertThat(run("bundle", "verify").code).isEqualTo(2);
        assertThat(run("bundle", "verify", tmp.resolve("missing.tar").toString()).code).isEqualTo(2);
        assertThat(run("bundle", "pack", tmp.toString(), "--name", "Bad Name", "--version", "1", "--pg-major", "15",
                "-o", tmp.resolve("o.tar").toString()).code).isNotZero();
        assertThat(run("bundle", "pack", tmp.resolve("nope").toString(), "--name", "a", "--version", "1", "--pg-major", "15",
                "-o", tmp.resolve("o.tar").toString()).code).isEqualTo(2);
    }
}
