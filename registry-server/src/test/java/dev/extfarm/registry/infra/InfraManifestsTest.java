package dev.extfarm.registry.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every manifest under infra/k8s parses into the Kubernetes model with no unknown field or kind
 * (there is no cluster or kubectl here), and the manifests agree with each other: selectors match
 * pod labels, every Secret/ConfigMap/volume/PVC a pod uses is defined, the HPA scales a Deployment
 * that exists, the compute pod preloads pg_extfarm and runs the fetcher as init + sidecar.
 */
class InfraManifestsTest {

    static final Path K8S = Path.of("..", "infra", "k8s");
    static List<HasMetadata> all = new ArrayList<>();

    @BeforeAll
    static void parseAll() throws Exception {
        try (Stream<Path> files = Files.list(K8S)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                all.addAll(KubernetesManifests.parse(f.getFileName().toString(), Files.readString(f)));
            }
        }
    }

    @Test
    void everyManifestParsesStrictly() {
        Set<String> kinds = all.stream().map(HasMetadata::getKind).collect(Collectors.toSet());
        assertThat(kinds).contains("Deployment", "Service", "HorizontalPodAutoscaler", "Pod", "Secret", "ConfigMap", "Cluster");
    }

    @Test
    void selectorsAndReferencesAgree() {
        for (Deployment d : of(Deployment.class)) {
            assertThat(d.getSpec().getTemplate().getMetadata().getLabels()).as(d.getMetadata().getName())
                    .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
            checkPod(d.getMetadata().getName(), d.getSpec().getTemplate().getSpec());
        }
        for (Pod p : of(Pod.class)) {
            checkPod(p.getMetadata().getName(), p.getSpec());
        }
        for (Service s : of(Service.class)) {
            assertThat(of(Deployment.class)).as("a Deployment behind Service " + s.getMetadata().getName())
                    .anyMatch(d -> d.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(s.getSpec().getSelector().entrySet()));
        }
        for (HorizontalPodAutoscaler h : of(HorizontalPodAutoscaler.class)) {
            String target = h.getSpec().getScaleTargetRef().getName();
            assertThat(of(Deployment.class)).extracting(d -> d.getMetadata().getName()).contains(target);
            assertThat(h.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void theComputePodPreloadsPgExtfarmWithTheFetcherAsInitAndSidecar() {
        Pod pod = of(Pod.class).get(0);
        List<Container> init = pod.getSpec().getInitContainers();
        assertThat(init).extracting(Container::getName).containsExactly("fetch-prepare", "fetch-serve");
        assertThat(init.get(0).getArgs()).first().isEqualTo("prepare");
        assertThat(init.get(0).getRestartPolicy()).isNull();
        assertThat(init.get(1).getArgs()).first().isEqualTo("serve");
        assertThat(init.get(1).getRestartPolicy()).isEqualTo("Always");
        String conf = of(ConfigMap.class).stream().filter(c -> c.getData() != null && c.getData().containsKey("postgresql.conf"))
                .findFirst().orElseThrow().getData().get("postgresql.conf");
        assertThat(conf).contains("shared_preload_libraries = 'pg_extfarm'").contains("extfarm.fetcher_url = 'unix:/run/extfarm/fetcher.sock'");
    }

    @Test
    void workersRunDockerInDockerSharingTheWorkDirectoryAtTheSamePath() {
        Deployment workers = of(Deployment.class).stream().filter(d -> d.getMetadata().getName().equals("extfarm-worker")).findFirst().orElseThrow();
        PodSpec spec = workers.getSpec().getTemplate().getSpec();
        Container dind = spec.getInitContainers().get(0);
        assertThat(dind.getRestartPolicy()).isEqualTo("Always");
        assertThat(dind.getSecurityContext().getPrivileged()).isTrue();
        Container worker = spec.getContainers().get(0);
        assertThat(mountPath(dind, "work")).isEqualTo(mountPath(worker, "work"));
        assertThat(worker.getEnv()).anyMatch(e -> e.getName().equals("DOCKER_HOST"));
    }

    @Test
    void anUnknownFieldIsAnError() {
        String typo = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replica: 2\n"
                + "  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n"
                + "      containers: [{name: c, image: i, imagePullPolicy: Never, resource: {}}]\n";
        assertThatThrownBy(() -> KubernetesManifests.parse("typo.yaml", typo)).hasMessageContaining("spec.replica")
                .hasMessageContaining("resource").hasMessageContaining("typo.yaml document 1");
    }

    @Test
    void anUnknownKindOrAWrongTypeIsAnError() {
        assertThatThrownBy(() -> KubernetesManifests.parse("k.yaml", "apiVersion: apps/v1\nkind: Deployments\nmetadata: {name: x}\n"))
                .hasMessageContaining("unknown kind apps/v1/Deployments");
        assertThatThrownBy(() -> KubernetesManifests.parse("k.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: x}\n---\n"
                + "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: y}\n"))
                .hasMessageContaining("document 2").hasMessageContaining("unknown kind extensions/v1beta1/Deployment");
        assertThatThrownBy(() -> KubernetesManifests.parse("t.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"
                + "spec: {replicas: [2]}\n")).hasMessageContaining("t.yaml document 1");
        assertThatThrownBy(() -> KubernetesManifests.parse("c.yaml", "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\n"
                + "metadata: {name: x}\nspecs: {}\n")).hasMessageContaining("unknown top-level field 'specs'");
    }

    private static void checkPod(String owner, PodSpec spec) {
        Set<String> volumes = spec.getVolumes().stream().map(Volume::getName).collect(Collectors.toSet());
        List<Container> containers = new ArrayList<>(spec.getContainers());
        if (spec.getInitContainers() != null) {
            containers.addAll(spec.getInitContainers());
        }
        for (Container c : containers) {
            for (VolumeMount m : c.getVolumeMounts()) {
                assertThat(volumes).as(owner + "/" + c.getName() + " mounts " + m.getName()).contains(m.getName());
            }
            if (c.getEnvFrom() != null) {
                c.getEnvFrom().forEach(e -> {
                    if (e.getSecretRef() != null) {
                        assertThat(names(Secret.class)).as(owner + " envFrom").contains(e.getSecretRef().getName());
                    }
                    if (e.getConfigMapRef() != null) {
                        assertThat(names(ConfigMap.class)).as(owner + " envFrom").contains(e.getConfigMapRef().getName());
                    }
                });
            }
        }
        for (Volume v : spec.getVolumes()) {
            if (v.getSecret() != null) {
                assertThat(names(Secret.class)).as(owner + " volume " + v.getName()).contains(v.getSecret().getSecretName());
            }
            if (v.getConfigMap() != null) {
                assertThat(names(ConfigMap.class)).as(owner + " volume " + v.getName()).contains(v.getConfigMap().getName());
            }
            if (v.getPersistentVolumeClaim() != null) {
                assertThat(names(PersistentVolumeClaim.class)).as(owner + " volume " + v.getName())
                        .contains(v.getPersistentVolumeClaim().getClaimName());
            }
        }
    }

    private static String mountPath(Container c, String volume) {
        return c.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).findFirst().orElseThrow().getMountPath();
    }

    private static <T extends HasMetadata> List<T> of(Class<T> type) {
        return all.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static Set<String> names(Class<? extends HasMetadata> type) {
        return of(type).stream().map(r -> r.getMetadata().getName()).collect(Collectors.toSet());
    }
}
