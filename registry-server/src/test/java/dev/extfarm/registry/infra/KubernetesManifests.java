package dev.extfarm.registry.infra;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads Kubernetes manifests (multi-document YAML) into the fabric8 Kubernetes model, strictly:
 * a kind the model does not know, a field it does not know (the model keeps those in
 * {@code additionalProperties} instead of failing, so every object is walked), or a value of the
 * wrong type is an error naming the document and the path. Custom resources (CloudNativePG) have no
 * model here: their kind must be one we use, and only apiVersion/kind/metadata/spec may appear.
 */
final class KubernetesManifests {

    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/Namespace", Namespace.class, "v1/Secret", Secret.class, "v1/ConfigMap", ConfigMap.class,
            "v1/Service", Service.class, "v1/Pod", Pod.class, "v1/PersistentVolumeClaim", PersistentVolumeClaim.class,
            "apps/v1/Deployment", Deployment.class, "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);
    private static final Set<String> CUSTOM_KINDS = Set.of("postgresql.cnpg.io/v1/Cluster", "postgresql.cnpg.io/v1/Database");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .build();

    private KubernetesManifests() {
    }

    /** Every document of {@code yaml}, as model objects; {@code source} names it in errors. */
    static List<HasMetadata> parse(String source, String yaml) throws IOException {
        List<HasMetadata> out = new ArrayList<>();
        try (JsonParser p = YAML.getFactory().createParser(yaml)) {
            int doc = 0;
            for (var it = YAML.readValues(p, JsonNode.class); it.hasNext(); ) {
                JsonNode node = it.next();
                doc++;
                if (node == null || node.isNull() || node.isMissingNode()) {
                    continue;
                }
                out.add(parse(source + " document " + doc, node));
            }
        }
        return out;
    }

    private static HasMetadata parse(String where, JsonNode node) throws IOException {
        String apiVersion = node.path("apiVersion").asText("");
        String kind = node.path("kind").asText("");
        String type = apiVersion + "/" + kind;
        if (node.path("metadata").path("name").asText("").isEmpty()) {
            throw new IllegalArgumentException(where + " (" + type + ") has no metadata.name");
        }
        if (CUSTOM_KINDS.contains(type)) {
            node.fieldNames().forEachRemaining(f -> {
                if (!Set.of("apiVersion", "kind", "metadata", "spec").contains(f)) {
                    throw new IllegalArgumentException(where + " (" + type + ") has an unknown top-level field '" + f + "'");
                }
            });
            return STRICT.treeToValue(node, GenericKubernetesResource.class);
        }
        Class<? extends HasMetadata> cls = KINDS.get(type);
        if (cls == null) {
            throw new IllegalArgumentException(where + ": unknown kind " + type + "; known: " + KINDS.keySet() + " and " + CUSTOM_KINDS);
        }
        HasMetadata parsed;
        try {
            parsed = STRICT.treeToValue(node, cls);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(where + " (" + type + "): " + e.getOriginalMessage(), e);
        }
        List<String> unknown = new ArrayList<>();
        walk(parsed, kind, unknown);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(where + " (" + type + " " + parsed.getMetadata().getName() + ") has fields the "
                    + "Kubernetes API does not know: " + unknown);
        }
        return parsed;
    }

    /** Collects every non-empty additionalProperties below {@code o}, as paths. */
    private static void walk(Object o, String path, List<String> unknown) {
        if (o == null) {
            return;
        }
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) {
                walk(e, path + "[" + i++ + "]", unknown);
            }
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, unknown));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method m : o.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = m.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
            if (m.getName().equals("getAdditionalProperties")) {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(k -> unknown.add(path + "." + k));
                }
            } else {
                walk(value, path + "." + field, unknown);
            }
        }
    }
}
