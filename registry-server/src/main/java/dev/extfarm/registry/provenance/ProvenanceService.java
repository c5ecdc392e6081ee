package dev.extfarm.registry.provenance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.sign.Dsse;
import dev.extfarm.recipe.InvalidRecipeException;
import dev.extfarm.recipe.Recipe;
import dev.extfarm.recipe.RecipeBundle;
import dev.extfarm.recipe.RecipeParser;
import dev.extfarm.recipe.ValidationOptions;
import dev.extfarm.recipe.RecipeTransport;
import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.builds.Build;
import dev.extfarm.registry.builds.BuildReports;
import dev.extfarm.registry.catalog.BundleEntry;
import dev.extfarm.registry.builds.FarmTargets;
import dev.extfarm.registry.problem.ExtfarmException;
import dev.extfarm.registry.signing.FarmKeys;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.security.GeneralSecurityException;
import java.time.OffsetDateTime;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The provenance of a build that published a bundle: an in-toto Statement v1 whose subject is the
 * bundle (its address and sha-256) and whose predicate is SLSA provenance v1 (recipe revision,
 * source and patches with their sha-256, builder image digest, worker, times), in a DSSE envelope
 * signed with the farm key. Made on request from the build record, so it always carries the
 * current key's signature.
 */
@ApplicationScoped
public class ProvenanceService {

    public static final String BUILD_TYPE = "https://github.com/extfarm/extfarm/blob/main/docs/security.md#provenance";
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    BuildReports reports;
    @Inject
    FarmKeys keys;
    @Inject
    FarmTargets targets;
    @Inject
    EntityManager em;

    /** The signed envelope; 404 for builds the viewer may not see or that published no bundle. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public byte[] envelope(Viewer viewer, long id) {
        ObjectNode statement = statement(viewer, id);
        try {
            return Dsse.sign(Dsse.IN_TOTO_PAYLOAD_TYPE, JSON.writeValueAsBytes(statement), keys.current());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot sign the provenance of build " + id + ": " + e.getMessage(), e);
        }
    }

    ObjectNode statement(Viewer viewer, long id) {
        Build b = reports.find(viewer, id).orElseThrow(() -> ExtfarmException.notFound("build-not-found", "there is no build " + id));
        if (b.bundleSha256 == null) {
            throw ExtfarmException.notFound("provenance-not-found", "build " + id + " is " + b.status
                    + " and published no bundle; provenance exists for builds that did (status succeeded or cached)");
        }
        // a cached build reused the bundle of an earlier one: that one ran, so it is what is described
        Build ran = b.cachedFrom == null ? b : Build.<Build>findByIdOptional(b.cachedFrom).orElse(b);
        BundleAddress address = new BundleAddress(b.extensionName, b.bundleSha256);

        ObjectNode st = JSON.createObjectNode().put("_type", "https://in-toto.io/Statement/v1");
        st.putArray("subject").addObject().put("name", address.path()).putObject("digest").put("sha256", b.bundleSha256);
        st.put("predicateType", "https://slsa.dev/provenance/v1");
        ObjectNode predicate = st.putObject("predicate");
        ObjectNode def = predicate.putObject("buildDefinition").put("buildType", BUILD_TYPE);
        def.putObject("externalParameters").put("extension", b.extensionName).put("version", b.version)
                .put("pg_major", b.pgMajor).put("platform", b.platform).put("recipe_revision", b.recipeRevision);
        def.putObject("internalParameters").put("meta_format", b.metaFormat).put("reason", b.reason);
        ArrayNode deps = def.putArray("resolvedDependencies");
        deps.addObject().put("name", "recipe").put("uri", "extfarm:recipe-revision:" + b.recipeRevision)
                .putObject("digest").put("sha256", b.recipeRevision);
        RecipeBundle recipe = recipe(b.recipeRevision);
        String origin = recipe == null ? null : origin(recipe, b.pgMajor);
        ObjectNode source = deps.addObject().put("name", "source");
        if (origin != null) {
            source.put("uri", origin);
        }
        Optional<String> commit = recipe == null ? Optional.empty() : gitCommit(recipe, b.pgMajor);
        if (commit.isPresent()) {
            // the commit is the pin; the archive the worker exported from it is named by the bundle's manifest
            ObjectNode digest = source.putObject("digest").put("gitCommit", commit.get());
            archiveSha256(ran.bundleSha256).ifPresent(sha -> digest.put("sha256", sha));
        } else {
            source.putObject("digest").put("sha256", b.sourceSha256);
        }
        if (recipe != null) {
            for (var patch : recipe.patches().entrySet()) {
                deps.addObject().put("name", RecipeBundle.PATCHES_DIR + "/" + patch.getKey())
                        .putObject("digest").put("sha256", Digests.sha256(patch.getValue()));
            }
        }
        if (ran.builderImage != null && ran.builderImage.startsWith("sha256:")) {
            deps.addObject().put("name", "builder-image").put("uri", "extfarm:builder-image:" + b.platform + ":pg" + b.pgMajor)
                    .putObject("digest").put("sha256", ran.builderImage.substring("sha256:".length()));
        }
        ObjectNode run = predicate.putObject("runDetails");
        run.putObject("builder").put("id", "extfarm:worker:" + (ran.workerId == null ? "unknown" : ran.workerId));
        ObjectNode meta = run.putObject("metadata").put("invocationId", "extfarm:build:" + ran.id);
        time(meta, "startedOn", ran.workerStartedAt != null ? ran.workerStartedAt : ran.startedAt);
        time(meta, "finishedOn", ran.workerFinishedAt != null ? ran.workerFinishedAt : ran.finishedAt);
        return st;
    }

    private static void time(ObjectNode meta, String field, OffsetDateTime t) {
        if (t != null) {
            meta.put(field, t.toInstant().toString());
        }
    }

    @SuppressWarnings("unchecked")
    private RecipeBundle recipe(String revision) {
        List<Object> rows = em.createNativeQuery("SELECT transport FROM recipe_revision WHERE digest = :d").setParameter("d", revision)
                .getResultList();
        if (rows.isEmpty()) {
            return null;
        }
        Object t = rows.get(0);
        try {
            return t instanceof byte[] bytes ? RecipeTransport.fromJson(bytes) : RecipeTransport.fromJson(String.valueOf(t));
        } catch (InvalidRecipeException e) {
            return null;
        }
    }

    private Optional<String> gitCommit(RecipeBundle bundle, int pgMajor) {
        try {
            Recipe.Source source = RecipeParser.parse(bundle, "", new ValidationOptions(List.of(pgMajor))).sourceFor(pgMajor);
            return source instanceof Recipe.GitSource g ? Optional.of(g.commit()) : Optional.empty();
        } catch (InvalidRecipeException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code build.source_sha256} of a published bundle's manifest: the sha-256 of the source archive it was built from. */
    private Optional<String> archiveSha256(String bundleSha256) {
        if (bundleSha256 == null) {
            return Optional.empty();
        }
        BundleEntry entry = BundleEntry.find("sha256", bundleSha256).firstResult();
        if (entry == null || entry.manifest == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(JSON.readTree(entry.manifest).path("build").path("source_sha256").textValue());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Where the major's source came from: its URL, or a package URL for a Debian source package. */
    private String origin(RecipeBundle bundle, int pgMajor) {
        try {
            Recipe.Source source = RecipeParser.parse(bundle, "", new ValidationOptions(List.of(pgMajor))).sourceFor(pgMajor);
            if (source instanceof Recipe.GitSource g) {
                return "git+" + g.url() + "@" + g.commit();
            }
            if (source instanceof Recipe.UrlSource u) {
                return u.url().toString();
            }
            if (source instanceof Recipe.DebianSource d) {
                return "pkg:deb/debian/" + d.packageName() + "@" + d.version() + "?arch=source";
            }
        } catch (InvalidRecipeException | RuntimeException e) {
            // a revision the farm accepted once but cannot parse now: provenance without the origin
        }
        return null;
    }
}
