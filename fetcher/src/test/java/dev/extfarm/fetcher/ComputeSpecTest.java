package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.fetcher.spec.SpecReader;
import dev.extfarm.protocol.ComputeSpec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The compute spec exactly as DESIGN.md gives it, and the names that later become file names. */
class ComputeSpecTest {

    static final String HEX = "a".repeat(64);

    static String spec(String entry) {
        return "{\"meta_format\": 1, \"tenant\": \"acme\", \"pg_major\": 17, \"platform\": \"debian-13-amd64-glibc\","
                + "\"generated_at\": \"2026-11-23T10:00:00Z\", \"expires_at\": \"2026-11-23T10:15:00Z\", \"future_field\": 1,"
                + "\"extensions\": [" + entry + "]}";
    }

    static String entry(String name, String control) {
        return "{\"extension_name\": \"" + name + "\", \"version\": \"0.8.0\", \"sha256\": \"" + HEX + "\", \"size\": 187392,"
                + "\"link\": \"https://r.example/extensions/" + name + "/sha-256+" + HEX + "/bundle.tar?exp=1&sig=x\","
                + "\"control_link\": \"https://r.example/extensions/" + name + "/sha-256+" + HEX + "/" + control + ".control?exp=1&sig=x\","
                + "\"extensions\": [\"" + control + "\"], \"libraries\": [\"" + name + "\"], \"requires\": [],"
                + "\"shared_preload\": false, \"preload\": false, \"system_libraries\": [\"libc.so.6\"]}";
    }

    static ComputeSpec parse(String json) throws FetchException {
        return SpecReader.parse(json.getBytes(StandardCharsets.UTF_8), "test");
    }

    @Test
    void theDesignDocumentsExampleParses() throws Exception {
        ComputeSpec s = parse(spec(entry("vector", "vector")));
        assertThat(s.tenant()).isEqualTo("acme");
        assertThat(s.providerOfExtension("vector").orElseThrow().size()).isEqualTo(187392);
        assertThat(s.providerOfLibrary("vector")).isPresent();
        assertThat(s.entry("vector").orElseThrow().systemLibraries()).containsExactly("libc.so.6");
    }

    /** A library bundle (an output plugin, a preload-only module): no control file, found by its libraries. */
    @Test
    void aLibraryBundleHasNoExtensionAndIsFoundByItsLibraries() throws Exception {
        String library = entry("decoder", "decoder").replaceAll("\"control_link\": \"[^\"]*\",", "")
                .replace("\"extensions\": [\"decoder\"]", "\"extensions\": []");
        ComputeSpec s = parse(spec(library));
        ComputeSpec.Entry e = s.entry("decoder").orElseThrow();
        assertThat(e.extensions()).isEmpty();
        assertThat(e.controlLink()).isNull();
        assertThat(s.providerOfExtension("decoder")).isEmpty();
        assertThat(s.providerOfLibrary("decoder")).contains(e);
        // phase 1 has no control file to fetch for it (and makes no request)
        assertThat(new dev.extfarm.fetcher.download.ControlFetch(null, null).fetch(e)).isEmpty();
        // a hostile spec giving a library bundle a control text: refused, not a crash
        String withControl = library.replace("\"system_libraries\"", "\"control\": \"comment = 'x'\", \"system_libraries\"");
        ComputeSpec.Entry odd = parse(spec(withControl)).entry("decoder").orElseThrow();
        assertThatThrownBy(() -> new dev.extfarm.fetcher.download.ControlFetch(null, null).fetch(odd))
                .isInstanceOf(FetchException.class).hasMessageContaining("decoder");
        // an older spec without the field still means the bundle's own name
        ComputeSpec old = parse(spec(entry("vector", "vector").replace("\"extensions\": [\"vector\"], ", "")));
        assertThat(old.entry("vector").orElseThrow().extensions()).containsExactly("vector");
    }

    @Test
    void namesThatWouldEscapeADirectoryAreRefused() {
        assertThatThrownBy(() -> parse(spec(entry("../etc", "x")))).hasMessageContaining("extension_name '../etc' must match");
        assertThatThrownBy(() -> parse(spec(entry("ok", "../../x")))).hasMessageContaining("extension '../../x' must match");
    }

    @Test
    void aValueOfTheWrongTypeIsRefusedNamingTheField() {
        assertThatThrownBy(() -> parse(spec(entry("a", "a")).replace("\"size\": 187392", "\"size\": \"big\"")))
                .hasMessageContaining("entry 'a': field 'size' must be a whole number, was \"big\"");
        assertThatThrownBy(() -> parse(spec(entry("a", "a")).replace("\"libraries\": [\"a\"]", "\"libraries\": \"a\"")))
                .hasMessageContaining("entry 'a': field 'libraries' must be an array of strings");
        assertThatThrownBy(() -> parse(spec(entry("a", "a")).replace("\"preload\": false", "\"preload\": \"yes\"")))
                .hasMessageContaining("entry 'a': field 'preload' must be true or false");
        assertThatThrownBy(() -> parse(spec(entry("a", "a")).replace("\"version\": \"0.8.0\"", "\"version\": {\"x\": 1}")))
                .hasMessageContaining("entry 'a': field 'version' must be a string");
        assertThatThrownBy(() -> parse("{\"meta_format\": 1, \"pg_major\": 99999999999, \"extensions\": []}"))
                .hasMessageContaining("field 'pg_major' is out of range");
        assertThatThrownBy(() -> parse("{\"meta_format\": 1, \"extensions\": {}}")).hasMessageContaining("field 'extensions' must be an array");
        assertThatThrownBy(() -> parse("{\"meta_format\": 1, \"extensions\": [1]}"))
                .hasMessageContaining("every element of 'extensions' must be an object");
    }

    @Test
    void aNewerFormatIsRefusedAndANameCarriedTwiceMakesBothBundlesUninstallable() throws FetchException {
        assertThatThrownBy(() -> parse(spec(entry("a", "a")).replace("\"meta_format\": 1", "\"meta_format\": 2")))
                .hasMessageContaining("meta_format 2 but this fetcher reads 1");
        // issue 21: a name carried twice no longer refuses the whole spec; those two bundles are not installable
        ComputeSpec twice = parse(spec(entry("a", "x") + "," + entry("b", "x") + "," + entry("c", "c")));
        assertThat(twice.conflicts()).containsOnlyKeys("a", "b");
        assertThat(twice.conflicts().get("b")).contains("extension 'x' is carried by the bundles 'a', 'b'");
        assertThat(twice.installable()).extracting(ComputeSpec.Entry::name).containsExactly("c");
        assertThatThrownBy(() -> parse("[1]")).hasMessageContaining("must be a JSON object");
    }

    /** {@code updates} and {@code versions} (issue 24): read when present, checked like the rest, and optional. */
    @Test
    void updatePathsAndNewerVersionsAreReadAndChecked() throws Exception {
        String newer = entry("vector", "vector").replace("\"version\": \"0.8.0\"", "\"version\": \"0.8.1\"")
                .replace(HEX, "b".repeat(64)).replace("}", ", \"updates\": {\"vector\": [\"0.8.0--0.8.1\"]}}");
        String json = spec(entry("vector", "vector").replace("}", ", \"updates\": {\"vector\": []}, \"versions\": [" + newer + "]}"));
        ComputeSpec.Entry e = parse(json).entry("vector").orElseThrow();
        assertThat(e.updates()).containsEntry("vector", java.util.List.of());
        assertThat(e.versions()).extracting(ComputeSpec.Entry::version).containsExactly("0.8.1");
        assertThat(e.versions().get(0).updates()).containsEntry("vector", java.util.List.of("0.8.0--0.8.1"));
        assertThat(e.find("b".repeat(64)).orElseThrow().version()).isEqualTo("0.8.1");
        assertThat(parse(spec(entry("vector", "vector"))).entry("vector").orElseThrow().updates()).as("absent: unknown").isNull();

        assertThatThrownBy(() -> parse(json.replace("0.8.0--0.8.1", "0.8.0--0.8.1--0.9"))).hasMessageContaining("must be <from>--<to>");
        assertThatThrownBy(() -> parse(json.replace("0.8.0--0.8.1", "../x--y"))).hasMessageContaining("must be <from>--<to>");
        assertThatThrownBy(() -> parse(json.replace("{\"vector\": []}", "{\"other\": []}"))).hasMessageContaining("updates names 'other'");
        assertThatThrownBy(() -> parse(json.replace("b".repeat(64) + "\", \"size\": 187392", "b".repeat(64) + "\", \"size\": 0")))
                .hasMessageContaining("version '0.8.1': size must be");
        assertThatThrownBy(() -> parse(json.replace("\"versions\": [", "\"versions\": [{\"extension_name\": \"other\"},")))
                .hasMessageContaining("a version of 'vector' is named 'other'");
    }
}
