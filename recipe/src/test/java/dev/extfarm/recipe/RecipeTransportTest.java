package dev.extfarm.recipe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecipeTransportTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static InvalidRecipeException invalid(String json) {
        try {
            RecipeTransport.fromJson(json);
        } catch (InvalidRecipeException e) {
            return e;
        }
        throw new AssertionError("accepted: " + json);
    }

    @Test
    void roundTripsBytesExactly() throws Exception {
        byte[] latin1 = {'-', '-', '-', ' ', (byte) 0xe9, '\r', '\n'};
        RecipeBundle bundle = RecipeBundle.of(b("\uFEFFname: d\u00e9mo\r\n"), Map.of("utf8.patch", b("caf\u00e9\n"), "latin1.patch", latin1));

        String json = bundle.toJson();
        RecipeBundle back = RecipeTransport.fromJson(json);

        assertThat(back.recipeYaml()).isEqualTo(bundle.recipeYaml());
        assertThat(back.patch("latin1.patch")).isEqualTo(latin1);
        assertThat(back.patch("utf8.patch")).isEqualTo(b("caf\u00e9\n"));
        assertThat(back.revision()).isEqualTo(bundle.revision());
        var tree = new ObjectMapper().readTree(json);
        assertThat(tree.get("meta_format").intValue()).isEqualTo(1);
        assertThat(tree.get("revision").textValue()).isEqualTo(bundle.revision().toString());
        assertThat(tree.at("/patches/utf8.patch").textValue()).isEqualTo("caf\u00e9\n");
        assertThat(tree.at("/patches/latin1.patch/base64").textValue()).isEqualTo("LS0tIOkNCg==");
    }

    @Test
    void aDirectoryAndItsTransportFormHaveTheSameRevision(@TempDir Path tmp) throws Exception {
        RecipeBundle fromDir = RecipeBundle.readDirectory(Path.of("src/test/resources/fixtures/full"));
        RecipeBundle fromJson = RecipeTransport.fromJson(fromDir.toJson());
        assertThat(fromJson.revision()).isEqualTo(fromDir.revision());
        assertThat(fromJson).isEqualTo(fromDir);

        fromJson.writeTo(tmp.resolve("full"));
        assertThat(RecipeBundle.readDirectory(tmp.resolve("full")).revision()).isEqualTo(fromDir.revision());
    }

    @Test
    void acceptsTheMinimalHandWrittenForm() throws Exception {
        RecipeBundle bundle = RecipeTransport.fromJson("""
                {"meta_format": 1, "recipe_yaml": "name: x\\n", "patches": {"fix.patch": "--- a\\n"}, "future_field": true}
                """);
        assertThat(bundle.patchNames()).containsExactly("fix.patch");
        assertThat(RecipeTransport.fromJson("{\"meta_format\": 1, \"recipe_yaml\": \"name: x\\n\"}").patchNames()).isEmpty();
    }

    @Test
    void refusesWhatItCannotTrust() {
        assertThat(invalid("{\"meta_format\": 2, \"recipe_yaml\": \"\"}").problems()).map(RecipeProblem::toString)
                .containsExactly("recipe.json: meta_format: is 2; this version reads up to 1");
        assertThat(invalid("{\"meta_format\": 1, \"recipe_yaml\": \"x\", \"patches\": {\"../evil.patch\": \"x\"}}").problems())
                .map(RecipeProblem::toString)
                .containsExactly("recipe.json: patches.../evil.patch: patch file name must match [A-Za-z0-9][A-Za-z0-9._+-]{0,127}");
        assertThat(invalid("{\"meta_format\": 1, \"recipe_yaml\": 3}").problems()).map(RecipeProblem::toString)
                .containsExactly("recipe.json: recipe_yaml: must be a string (UTF-8 text) or {\"base64\": \"...\"}");
        assertThat(invalid("{\"meta_format\": 1}").problems()).map(RecipeProblem::toString)
                .containsExactly("recipe.json: recipe_yaml: is required");
        assertThat(invalid("[1]").getMessage()).contains("must be a JSON object");
        assertThat(invalid("{").getMessage()).contains("not valid JSON");
    }

    @Test
    void aRevisionThatDoesNotMatchTheContentIsRefused() {
        String json = RecipeBundle.of(b("name: x\n"), Map.of()).toJson().replace("name: x\\n", "name: x\\r\\n");
        assertThat(invalid(json).getMessage()).contains("recipe.json: revision: is sha-256+")
                .contains("were the files altered in transit");
    }

    @Test
    void patchNamesCannotLeavePatches() {
        assertThatThrownBy(() -> RecipeBundle.of(b("x"), Map.of("a/b.patch", b("x"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RecipeBundle.of(b("x"), Map.of("..patch", b("x"))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
