package dev.extfarm.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RevisionDigestTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void knownAnswers() {
        // computed independently (python3 hashlib) from the encoding documented in docs/recipes.md
        assertThat(RevisionDigest.of(b("name: demo\n"), Map.of()).toString())
                .isEqualTo("sha-256+fba32e01e660c995137fb6ccc4be89ca2fd5c7507402663271ba1a4277733da9");
        assertThat(RevisionDigest.of(b("name: demo\n"), Map.of("b.patch", b("B\n"), "a.patch", b("A\r\n"))).sha256())
                .isEqualTo("946b6fe4613c3330b43470d3b694d9c27ca53f19c8cbc9661ae6f072779f7de5");
    }

    @Test
    void theOrderPatchesArriveInDoesNotMatter() {
        Map<String, byte[]> ab = new LinkedHashMap<>();
        ab.put("a.patch", b("A"));
        ab.put("b.patch", b("B"));
        Map<String, byte[]> ba = new LinkedHashMap<>();
        ba.put("b.patch", b("B"));
        ba.put("a.patch", b("A"));
        assertThat(RevisionDigest.of(b("x"), ab)).isEqualTo(RevisionDigest.of(b("x"), ba));
    }

    @Test
    void everyByteCountsIncludingLineEndings() {
        RevisionDigest lf = RevisionDigest.of(b("name: demo\n"), Map.of());
        assertThat(RevisionDigest.of(b("name: demo\r\n"), Map.of())).isNotEqualTo(lf);
        assertThat(RevisionDigest.of(b("name: demo\n"), Map.of("a.patch", b("")))).isNotEqualTo(lf);
    }

    @Test
    void fileBoundariesAreUnambiguous() {
        // moving bytes between recipe.yaml and a patch, or renaming, changes the digest
        assertThat(RevisionDigest.of(b("ab"), Map.of("p.patch", b("c"))))
                .isNotEqualTo(RevisionDigest.of(b("a"), Map.of("p.patch", b("bc"))));
        assertThat(RevisionDigest.of(b("a"), Map.of("p.patch", b("c"))))
                .isNotEqualTo(RevisionDigest.of(b("a"), Map.of("q.patch", b("c"))));
    }

    @Test
    void parsesItsPrintedForm() {
        RevisionDigest d = RevisionDigest.of(b("x"), Map.of());
        assertThat(RevisionDigest.parse(d.toString())).isEqualTo(d);
        assertThatThrownBy(() -> RevisionDigest.parse("sha256:" + d.sha256())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theBundleDigestIsTheDigestOfItsFiles() {
        RecipeBundle bundle = RecipeBundle.of(b("name: demo\n"), Map.of("a.patch", b("A\r\n"), "b.patch", b("B\n")));
        assertThat(bundle.revision().sha256()).isEqualTo("946b6fe4613c3330b43470d3b694d9c27ca53f19c8cbc9661ae6f072779f7de5");
    }
}
