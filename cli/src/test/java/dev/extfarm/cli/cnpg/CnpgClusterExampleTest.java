package dev.extfarm.cli.cnpg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.RecipeParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * infra/k8s/cnpg-cluster-example.yaml names images the farm makes: each extension entry has only
 * the fields CNPG documents, its reference is {@code <host>/extensions/<name>} with a tag of the
 * farm's scheme ({@code <version>-pg<major>-<distro>-<arch>}, docs/oci.md) or a digest, the version is
 * the one the recipe in recipes/ builds for that major, and the distribution is the one the farm's
 * builder target for that major builds on (infra/builder-images/definitions/*&#47;target.conf).
 */
class CnpgClusterExampleTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Pattern REFERENCE = Pattern.compile(
            "[a-z0-9.-]+(:\\d+)?/extensions/([a-z0-9][a-z0-9_-]*)(?::([A-Za-z0-9_][A-Za-z0-9._-]*)|@sha256:[0-9a-f]{64})");

    @Test
    void theExampleClusterMountsImagesTheFarmMakes() throws Exception {
        JsonNode cluster = null;
        try (MappingIterator<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class)
                .readValues(ROOT.resolve("infra/k8s/cnpg-cluster-example.yaml").toFile())) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if ("Cluster".equals(doc.path("kind").asText())) {
                    cluster = doc;
                }
            }
        }
        assertThat(cluster).as("a Cluster resource").isNotNull();
        JsonNode extensions = cluster.path("spec").path("postgresql").path("extensions");
        assertThat(extensions.size()).isPositive();
        for (JsonNode e : extensions) {
            String name = e.path("name").asText();
            assertThat(CnpgExtensionsCommandTest.CNPG_FIELDS).containsAll(CnpgExtensionsCommandTest.fieldNames(e));
            assertThat(name).matches(CnpgExtensionsCommand.CNPG_NAME);
            String reference = e.path("image").path("reference").asText();
            Matcher m = REFERENCE.matcher(reference);
            assertThat(m.matches()).as(reference + ": <host>/extensions/<name>:<tag> or @sha256:<digest>").isTrue();
            assertThat(m.group(2)).as(reference).isEqualTo(name);
            if (m.group(3) == null) {
                continue;
            }
            // <version>-pg<major>-<distro>-<arch>: a recipe that builds that version for that major, on that distribution
            Matcher tag = Pattern.compile("(.+)-pg(\\d+)-(debian-[a-z0-9]+)-([a-z0-9]+)").matcher(m.group(3));
            assertThat(tag.matches()).as(reference + ": a platform tag <version>-pg<major>-<distro>-<arch>").isTrue();
            int major = Integer.parseInt(tag.group(2));
            Path recipe = ROOT.resolve("recipes").resolve(name);
            assertThat(recipe.resolve("recipe.yaml")).as("a recipe for " + name).exists();
            Recipe forMajor = RecipeParser.parse(recipe).forMajor(major);
            assertThat(tag.group(1)).as(reference + ": the version recipes/" + name + " builds for " + major)
                    .isEqualTo(forMajor.version().replace('+', '_').replace('~', '_'));
            assertThat(distributionsFor(major)).as(reference + ": a distribution the farm builds PostgreSQL " + major + " on")
                    .contains(tag.group(3));
            assertThat(tag.group(4)).isEqualTo("amd64");
        }
    }

    /** debian-<os_version> of every builder target of this major. */
    static List<String> distributionsFor(int major) throws Exception {
        List<String> out = new ArrayList<>();
        try (Stream<Path> targets = Files.list(ROOT.resolve("infra/builder-images/definitions"))) {
            for (Path t : targets.toList()) {
                Properties conf = new Properties();
                try (var in = Files.newBufferedReader(t.resolve("target.conf"))) {
                    conf.load(in);
                }
                if (String.valueOf(major).equals(conf.getProperty("pg_major"))) {
                    out.add("debian-" + conf.getProperty("os_version"));
                }
            }
        }
        return out;
    }
}
