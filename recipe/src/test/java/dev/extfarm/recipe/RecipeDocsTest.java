package dev.extfarm.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The recipes docs/recipes.md shows are valid. */
class RecipeDocsTest {

    private static String docs() throws Exception {
        return Files.readString(Path.of(System.getProperty("extfarm.docs.dir", "../docs"), "recipes.md"));
    }

    @Test
    void everyFullRecipeExampleInTheDocsIsValid() throws Exception {
        Matcher block = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(docs());
        List<String> examples = new ArrayList<>();
        while (block.find()) {
            if (block.group(1).contains("\nsource:") || block.group(1).startsWith("name:")) {
                examples.add(block.group(1));
            }
        }
        assertThat(examples).hasSizeGreaterThanOrEqualTo(3);
        for (String yaml : examples) {
            Map<String, byte[]> patches = new LinkedHashMap<>();
            Matcher patch = Pattern.compile("- ([A-Za-z0-9._+-]+\\.patch)").matcher(yaml);
            while (patch.find()) {
                patches.put(patch.group(1), "--- a/x\n+++ b/x\n".getBytes(StandardCharsets.UTF_8));
            }
            RecipeCheck check = RecipeParser.check(RecipeBundle.of(yaml.getBytes(StandardCharsets.UTF_8), patches),
                    "docs", ValidationOptions.defaults());
            assertThat(check.problems()).as(yaml).isEmpty();
        }
    }
}
