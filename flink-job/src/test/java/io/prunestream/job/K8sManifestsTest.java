package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import com.networknt.schema.DisallowUnknownKeywordFactory;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1Role;
import io.kubernetes.client.openapi.models.V1RoleBinding;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.prunestream.core.run.RunSettings;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.PruneOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.resources.ExternalResource;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExternalResourceOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.metrics.prometheus.PrometheusReporterFactory;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.externalresource.ExternalResourceUtils;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks the Kubernetes manifests in {@code k8s/} offline: renders each kustomization (base and the
 * cpu and gpu overlays) with a small reader of the kustomize fields they use, validates every
 * object (custom resources against the JSON schemas in {@code k8s/schemas}, core kinds against the
 * Kubernetes client's generated models), and checks that the pieces agree with each other and with
 * the job: the FlinkDeployment's arguments and the ConfigMap's {@code job.yaml} through the job's
 * own parser, topic names, ports, Flink options, memory, GPU requests, the alert rules. Where
 * {@code kubectl} is installed, the reader's output is also compared with {@code kubectl
 * kustomize}. See k8s/README.md ("Offline validation") and k8s/schemas/SOURCES.md.
 */
class K8sManifestsTest {
    private static final Path ROOT = repositoryRoot();
    private static final Path K8S = ROOT.resolve("k8s");
    private static final String FLINK_CONTAINER = "flink-main-container";

    /**
     * Options of flink-kubernetes ({@code KubernetesConfigOptions}), which is not on this test's
     * class path: each is spelled as Flink 2.2 documents it.
     */
    private static final Set<String> FLINK_KUBERNETES_KEYS = Set.of("kubernetes.entry.path");

    /** Suffix of Flink's external-resource key read by its Kubernetes integration. */
    private static final String K8S_CONFIG_KEY_SUFFIX = "kubernetes.config-key";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, List<Manifest>> RENDERED = new ConcurrentHashMap<>();
    private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

    /** Custom resources: apiVersion/kind → the vendored schema (see k8s/schemas/SOURCES.md). */
    private static final Map<String, String> SCHEMA_FILES =
            Map.of(
                    "flink.apache.org/v1beta1/FlinkDeployment", "flinkdeployment_v1beta1.json",
                    "kafka.strimzi.io/v1/Kafka", "kafka_v1.json",
                    "kafka.strimzi.io/v1/KafkaNodePool", "kafkanodepool_v1.json",
                    "kafka.strimzi.io/v1/KafkaTopic", "kafkatopic_v1.json",
                    "kafka.strimzi.io/v1/KafkaUser", "kafkauser_v1.json",
                    "monitoring.coreos.com/v1/PodMonitor", "podmonitor_v1.json",
                    "monitoring.coreos.com/v1/PrometheusRule", "prometheusrule_v1.json");

    /** Core kinds: apiVersion/kind → the client model's strict validator. */
    private static final Map<String, CoreValidator> CORE_KINDS =
            Map.of(
                    "v1/Namespace", V1Namespace::validateJsonElement,
                    "v1/ServiceAccount", V1ServiceAccount::validateJsonElement,
                    "v1/ConfigMap", V1ConfigMap::validateJsonElement,
                    "v1/PersistentVolumeClaim", V1PersistentVolumeClaim::validateJsonElement,
                    "batch/v1/Job", V1Job::validateJsonElement,
                    "rbac.authorization.k8s.io/v1/Role", V1Role::validateJsonElement,
                    "rbac.authorization.k8s.io/v1/RoleBinding", V1RoleBinding::validateJsonElement,
                    "networking.k8s.io/v1/NetworkPolicy", V1NetworkPolicy::validateJsonElement);

    private static final List<String> KUSTOMIZATIONS =
            List.of(
                    "base",
                    "overlays/cpu",
                    "overlays/gpu",
                    "overlays/cpu-scram-tls",
                    "overlays/cpu-single-node",
                    "overlays/cpu-nfs");

    static List<String> kustomizations() {
        return KUSTOMIZATIONS;
    }

    // ---- every object is valid --------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("kustomizations")
    void everyRenderedObjectMatchesItsSchema(String kustomization) {
        List<Manifest> objects = render(kustomization);
        assertThat(objects).extracting(Manifest::kind).contains("FlinkDeployment", "Job");
        List<String> errors = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Manifest m : objects) {
            errors.addAll(validate(m));
            if (!ids.add(m.apiVersion() + "/" + m.kind() + "/" + m.name())) {
                errors.add(m + ": defined twice");
            }
        }
        assertThat(errors).as("schema errors in " + kustomization).isEmpty();
    }

    /**
     * Where {@code kubectl} is installed (it renders kustomizations without a cluster), the test's
     * reader must produce exactly what {@code kubectl kustomize} does; skipped elsewhere.
     */
    @ParameterizedTest
    @MethodSource("kustomizations")
    void renderingEqualsKubectlKustomizeWhereKubectlIsInstalled(String kustomization)
            throws Exception {
        Process kubectl;
        try {
            kubectl =
                    new ProcessBuilder(
                                    "kubectl", "kustomize", K8S.resolve(kustomization).toString())
                            .redirectError(ProcessBuilder.Redirect.DISCARD)
                            .start();
        } catch (IOException e) {
            Assumptions.abort("kubectl is not installed");
            return;
        }
        List<Object> docs = new ArrayList<>();
        try (InputStream in = kubectl.getInputStream()) {
            new Yaml().loadAll(in).forEach(docs::add);
        }
        assertThat(kubectl.waitFor()).as("kubectl kustomize exit code").isZero();
        Map<String, Object> expected = new TreeMap<>();
        for (Object d : docs) {
            Manifest m = new Manifest(K8S, map(d));
            expected.put(m.apiVersion() + "/" + m.kind() + "/" + m.name(), m.object());
        }
        Map<String, Object> actual = new TreeMap<>();
        for (Manifest m : render(kustomization)) {
            actual.put(m.apiVersion() + "/" + m.kind() + "/" + m.name(), m.object());
        }
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        expected.forEach((id, object) -> assertThat(actual.get(id)).as(id).isEqualTo(object));
    }

    @Test
    void everyYamlFileUnderK8sIsRendered() throws IOException {
        Set<Path> used = new HashSet<>();
        for (String k : KUSTOMIZATIONS) {
            collectFiles(K8S.resolve(k), used);
        }
        try (Stream<Path> files = Files.walk(K8S)) {
            List<Path> orphans =
                    files.filter(
                                    p ->
                                            p.toString().endsWith(".yaml")
                                                    || p.toString().endsWith(".yml"))
                            .map(Path::normalize)
                            .filter(p -> !used.contains(p))
                            .toList();
            assertThat(orphans)
                    .as("YAML files that no kustomization uses (add them to one, or delete them)")
                    .isEmpty();
        }
    }

    // ---- the job starts with these arguments and this configuration ------------------------

    @ParameterizedTest
    @ValueSource(strings = {"overlays/cpu", "overlays/gpu"})
    void flinkDeploymentArgumentsAndJobYamlParseWithTheJobsParser(
            String overlay, @TempDir Path tmp) {
        List<Manifest> objects = render(overlay);
        Manifest fd = only(objects, "FlinkDeployment");
        Map<String, Object> job = map(fd.at("spec", "job"));
        assertThat(job.get("entryClass")).isEqualTo(PruneJob.class.getName());
        assertThat(job.get("jarURI")).isEqualTo("local:///opt/flink/usrlib/prunestream-job.jar");
        assertThat(job.get("upgradeMode")).isEqualTo("savepoint");

        Configuration conf = jobConfiguration(objects, tmp);
        List<RunSettings> runs = JobConfig.runs(conf);
        assertThat(runs).extracting(RunSettings::id).containsExactly("r50", "r90");
        assertThat(runs.get(0).spec().ratios().defaultRatio()).isEqualTo(0.5);
        assertThat(runs.get(1).spec().ratios().defaultRatio()).isEqualTo(0.9);

        Manifest kafka = only(objects, "Kafka");
        assertThat(conf.get(PruneOptions.BOOTSTRAP_SERVERS)).isEqualTo(bootstrapAddress(kafka));
        assertThat(mountedPaths(fd))
                .as("output.dir must be on a mounted volume")
                .anyMatch(p -> under(conf.get(PruneOptions.OUTPUT_DIR), p));
    }

    @Test
    void kafkaTopicsAreTheOnesTheJobAndTheProducerUse(@TempDir Path tmp) {
        List<Manifest> objects = render("overlays/cpu");
        Configuration conf = jobConfiguration(objects, tmp);
        Manifest kafka = only(objects, "Kafka");
        Map<String, Manifest> topics = new LinkedHashMap<>();
        for (Manifest t : all(objects, "KafkaTopic")) {
            assertThat(t.labels())
                    .as(t + " must name its Kafka cluster")
                    .containsEntry("strimzi.io/cluster", kafka.name());
            Object topicName = t.at("spec", "topicName");
            topics.put(topicName == null ? t.name() : topicName.toString(), t);
        }
        List<String> used = new ArrayList<>();
        used.add(conf.get(PruneOptions.TOPIC));
        used.add(conf.get(PruneOptions.DEAD_LETTER_TOPIC));
        assertThat(conf.get(PruneOptions.MODEL_TOPIC))
                .as("model versions go to a topic")
                .isNotBlank();
        used.add(conf.get(PruneOptions.MODEL_TOPIC));
        if (!conf.get(PruneOptions.EVAL_TOPIC).isBlank()) {
            used.add(conf.get(PruneOptions.EVAL_TOPIC));
        }
        assertThat(topics.keySet())
                .as("KafkaTopics; job.yaml uses %s", used)
                .containsAll(used)
                .contains("prunestream-heldout");
        Manifest samples = topics.get(conf.get(PruneOptions.TOPIC));
        assertThat(((Number) samples.at("spec", "partitions")).intValue())
                .as("partitions of " + samples)
                .isGreaterThanOrEqualTo(2);

        Map<String, Object> producer = container(only(objects, "Job"), "producer");
        List<String> args = strings(producer.get("args"));
        assertThat(argument(args, "--topic")).isEqualTo(conf.get(PruneOptions.TOPIC));
        assertThat(argument(args, "--bootstrap-servers"))
                .isEqualTo(conf.get(PruneOptions.BOOTSTRAP_SERVERS));
        assertThat(argument(args, "--data")).isEqualTo("fashion-mnist");
        assertThat(Integer.parseInt(argument(args, "--rate"))).isPositive();
        // the command itself is run by FirstDeployITCase (flink-job/cluster-check)
    }

    // ---- ports, scraping, alerts ------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"overlays/cpu", "overlays/gpu"})
    void podMonitorsScrapeThePortsTheJobAndFlinkServe(String overlay, @TempDir Path tmp) {
        List<Manifest> objects = render(overlay);
        Manifest fd = only(objects, "FlinkDeployment");
        Map<String, Integer> ports = new HashMap<>();
        for (Object p : list(mainContainer(fd).get("ports"))) {
            Map<String, Object> port = map(p);
            ports.put((String) port.get("name"), ((Number) port.get("containerPort")).intValue());
        }
        Configuration conf = jobConfiguration(objects, tmp);
        Configuration flink = flinkConfiguration(fd);
        assertThat(flink.getString("metrics.reporter.prom.factory.class", null))
                .isEqualTo(PrometheusReporterFactory.class.getName());
        int reporterPort = Integer.parseInt(flink.getString("metrics.reporter.prom.port", "-1"));

        Map<String, Manifest> monitors = new HashMap<>();
        all(objects, "PodMonitor").forEach(m -> monitors.put(m.name(), m));
        assertThat(monitors)
                .containsOnlyKeys(
                        "prunestream-training", "prunestream-flink", "prunestream-kafka-exporter");
        assertThat(scrapedPort(monitors.get("prunestream-training"), ports))
                .as("train-metrics port vs job.yaml's %s", PruneOptions.METRICS_PORT.key())
                .isEqualTo(conf.get(PruneOptions.METRICS_PORT));
        assertThat(scrapedPort(monitors.get("prunestream-flink"), ports))
                .as("flink-metrics port vs metrics.reporter.prom.port")
                .isEqualTo(reporterPort);

        // Flink labels its pods app=<deployment>, component=jobmanager|taskmanager, type=...
        assertThat(monitors.get("prunestream-training").at("spec", "selector", "matchLabels"))
                .isEqualTo(Map.of("app", fd.name(), "component", "taskmanager"));
        assertThat(monitors.get("prunestream-flink").at("spec", "selector", "matchLabels"))
                .isEqualTo(Map.of("app", fd.name(), "type", "flink-native-kubernetes"));
    }

    /**
     * Strimzi's Kafka Exporter is on and scraped, and the alerts that read it name the job's
     * samples topic: PrunestreamInputStopped measures what is produced into the topic the job
     * reads.
     */
    @Test
    void kafkaExporterIsScrapedAndTheInputAlertReadsTheJobsTopic(@TempDir Path tmp) {
        List<Manifest> objects = render("overlays/cpu");
        Configuration conf = jobConfiguration(objects, tmp);
        String topic = conf.get(PruneOptions.TOPIC);
        Manifest kafka = only(objects, "Kafka");
        Map<String, Object> exporter = map(kafka.at("spec", "kafkaExporter"));
        assertThat(topic).matches((String) exporter.get("topicRegex"));
        assertThat(conf.get(PruneOptions.GROUP_ID)).matches((String) exporter.get("groupRegex"));

        Manifest monitor =
                all(objects, "PodMonitor").stream()
                        .filter(m -> m.name().equals("prunestream-kafka-exporter"))
                        .findFirst()
                        .orElseThrow();
        // Strimzi's labels and port name of the exporter pod (KafkaExporterResources,
        // AbstractModel)
        assertThat(monitor.at("spec", "selector", "matchLabels"))
                .isEqualTo(Map.of("strimzi.io/name", kafka.name() + "-kafka-exporter"));
        assertThat(list(monitor.at("spec", "podMetricsEndpoints")))
                .singleElement()
                .satisfies(e -> assertThat(map(e)).containsEntry("port", "tcp-prometheus"));

        Map<String, String> exprs = new LinkedHashMap<>();
        for (Object g : list(only(objects, "PrometheusRule").at("spec", "groups"))) {
            for (Object r : list(map(g).get("rules"))) {
                exprs.put((String) map(r).get("alert"), (String) map(r).get("expr"));
            }
        }
        assertThat(exprs)
                .containsKeys("PrunestreamInputStopped", "PrunestreamJobManagerMetricsAbsent");
        exprs.forEach(
                (alert, expr) -> {
                    if (expr.contains("kafka_topic_partition_current_offset")) {
                        assertThat(expr)
                                .as("%s reads the job's kafka.topic", alert)
                                .contains(
                                        "kafka_topic_partition_current_offset{topic=\""
                                                + topic
                                                + "\"}");
                    }
                    if (expr.contains("kube_job_complete")) {
                        assertThat(expr)
                                .as("%s names the producer Job", alert)
                                .contains("job_name=\"" + only(objects, "Job").name() + "\"");
                    }
                });
    }

    @Test
    void prometheusRuleHoldsExactlyTheAlertsOfTheMonitoringModule() throws IOException {
        Map<String, Object> alerts;
        try (InputStream in =
                Files.newInputStream(ROOT.resolve("monitoring/prometheus/alerts.yml"))) {
            alerts = map(new Yaml().load(in));
        }
        for (String k : KUSTOMIZATIONS) {
            Manifest rule = only(render(k), "PrometheusRule");
            assertThat(rule.at("spec", "groups"))
                    .as(
                            "PrometheusRule %s differs from monitoring/prometheus/alerts.yml: run"
                                    + " k8s/base/monitoring/make-prometheusrule.sh",
                            rule.name())
                    .isEqualTo(alerts.get("groups"));
        }
    }

    // ---- storage ----------------------------------------------------------------------------

    /**
     * The claims the Flink pods mount: ReadWriteMany in the cluster's default class unless an
     * overlay names a class (components/storage-class, from the overlay's local-config ConfigMap
     * prunestream-storage) or asks for ReadWriteOnce on a single node (components/storage-rwo).
     * Each variant changes exactly that on every claim the pods mount, nothing else.
     */
    @Test
    void storageVariantsChangeOnlyTheClaimsClassOrAccessMode() throws IOException {
        List<Manifest> cpu = render("overlays/cpu");
        Set<String> mounted = new TreeSet<>();
        for (Object v :
                list(only(cpu, "FlinkDeployment").at("spec", "podTemplate", "spec", "volumes"))) {
            Object claim = map(v).get("persistentVolumeClaim");
            if (claim != null) {
                mounted.add((String) map(claim).get("claimName"));
            }
        }
        assertThat(claims(cpu).keySet()).as("claims the Flink pods mount").isEqualTo(mounted);
        claims(cpu)
                .values()
                .forEach(
                        c -> {
                            assertThat(c.at("spec", "accessModes"))
                                    .as(c + ": JobManager and TaskManagers on any node")
                                    .isEqualTo(List.of("ReadWriteMany"));
                            assertThat(c.at("spec", "storageClassName"))
                                    .as(c + ": the default class unless an overlay names one")
                                    .isNull();
                        });

        Map<String, Object> parameter =
                map(loadAll(K8S.resolve("overlays/cpu-nfs/storage-class.yaml")).get(0));
        Object storageClass = map(parameter.get("data")).get("storageClassName");
        assertThat(storageClass).isInstanceOf(String.class);
        List<Manifest> nfs = render("overlays/cpu-nfs");
        assertThat(nfs)
                .as("the parameter's ConfigMap is local-config: never applied")
                .noneMatch(m -> m.name().equals("prunestream-storage"));
        assertThat(claims(nfs).values())
                .allSatisfy(
                        c -> assertThat(c.at("spec", "storageClassName")).isEqualTo(storageClass))
                .allSatisfy(
                        c ->
                                assertThat(c.at("spec", "accessModes"))
                                        .isEqualTo(List.of("ReadWriteMany")));
        assertOnlyClaimsDiffer(cpu, nfs, "spec", "storageClassName");

        List<Manifest> single = render("overlays/cpu-single-node");
        assertThat(claims(single).values())
                .allSatisfy(
                        c ->
                                assertThat(c.at("spec", "accessModes"))
                                        .isEqualTo(List.of("ReadWriteOnce")))
                .allSatisfy(c -> assertThat(c.at("spec", "storageClassName")).isNull());
        assertOnlyClaimsDiffer(cpu, single, "spec", "accessModes");
    }

    private static Map<String, Manifest> claims(List<Manifest> objects) {
        Map<String, Manifest> out = new TreeMap<>();
        all(objects, "PersistentVolumeClaim").forEach(c -> out.put(c.name(), c));
        return out;
    }

    /** {@code variant} equals {@code base} but for {@code field} of its claims. */
    private static void assertOnlyClaimsDiffer(
            List<Manifest> base, List<Manifest> variant, String... field) {
        Map<String, Object> expected = new TreeMap<>();
        for (Manifest m : base) {
            expected.put(m.apiVersion() + "/" + m.kind() + "/" + m.name(), m.object());
        }
        Map<String, Object> actual = new TreeMap<>();
        for (Manifest m : variant) {
            Manifest cleared =
                    m.kind().equals("PersistentVolumeClaim")
                            ? m.with(
                                    c -> {
                                        Map<String, Object> parent =
                                                map(c.at(Arrays.copyOf(field, field.length - 1)));
                                        Object original = claims(base).get(c.name()).at(field);
                                        if (original == null) {
                                            parent.remove(field[field.length - 1]);
                                        } else {
                                            parent.put(field[field.length - 1], original);
                                        }
                                    })
                            : m;
            actual.put(m.apiVersion() + "/" + m.kind() + "/" + m.name(), cleared.object());
        }
        assertThat(actual).isEqualTo(expected);
    }

    // ---- Flink configuration ----------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"overlays/cpu", "overlays/gpu"})
    void flinkConfigurationUsesRealOptionsAndSizesTaskManagersForNd4j(String overlay) {
        Manifest fd = only(render(overlay), "FlinkDeployment");
        assertThat(fd.at("spec", "flinkVersion")).isEqualTo("v2_2");
        Configuration flink = flinkConfiguration(fd);

        Set<String> known = flinkOptionKeys();
        List<String> unknown =
                flink.keySet().stream()
                        .filter(k -> !k.startsWith("metrics.reporter."))
                        .filter(k -> !k.startsWith("external-resource."))
                        .filter(k -> !known.contains(k))
                        .filter(k -> !FLINK_KUBERNETES_KEYS.contains(k))
                        .toList();
        assertThat(unknown).as("keys Flink 2.2 does not define (typos?)").isEmpty();
        assertThat(flink.keySet())
                .as("the operator supplies Java 17's module options there; use .taskmanager")
                .doesNotContain(CoreOptions.FLINK_DEFAULT_JVM_OPTIONS.key());

        // what the operator requires for upgradeMode: savepoint, on storage every pod mounts
        for (ConfigOption<String> dir :
                List.of(
                        CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                        CheckpointingOptions.SAVEPOINT_DIRECTORY,
                        HighAvailabilityOptions.HA_STORAGE_PATH)) {
            String value = flink.get(dir);
            assertThat(value).as(dir.key()).startsWith("file:///");
            assertThat(mountedPaths(fd))
                    .as(dir.key() + " must be on a volume the pods mount")
                    .anyMatch(p -> under(value.substring("file://".length()), p));
        }

        String tmOpts = flink.get(CoreOptions.FLINK_TM_JVM_OPTIONS);
        assertThat(tmOpts).contains("-Dorg.eclipse.deeplearning4j.helpers.disable=false");
        if (overlay.endsWith("cpu")) {
            assertThat(tmOpts).contains("-Dorg.bytedeco.javacpp.platform.extension=-onednn");
        } else {
            assertThat(tmOpts).doesNotContain("onednn");
        }
        assertThat(list(mainContainer(fd).get("env")))
                .contains(Map.of("name", "OMP_WAIT_POLICY", "value", "PASSIVE"));

        // the memory budget Flink derives for a TaskManager pod of taskManager.resource.memory
        MemorySize process =
                MemorySize.parse((String) fd.at("spec", "taskManager", "resource", "memory"));
        flink.set(TaskManagerOptions.TOTAL_PROCESS_MEMORY, process);
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(flink);
        assertThat(spec.getTotalProcessMemorySize()).isEqualTo(process);
        assertThat(spec.getTaskOffHeapSize())
                .as("off-heap room for ND4J")
                .isGreaterThanOrEqualTo(MemorySize.parse("1g"));
        assertThat(spec.getTaskHeapSize()).isGreaterThanOrEqualTo(MemorySize.parse("1g"));
        assertThat(spec.getNumSlots())
                .as("the job's parallelism fills one TaskManager's slots")
                .isEqualTo(((Number) fd.at("spec", "job", "parallelism")).intValue());
    }

    @Test
    void gpuOverlayAsksForOneNvidiaGpuPerTaskManagerAndCpuOverlayForNone() {
        Manifest gpu = only(render("overlays/gpu"), "FlinkDeployment");
        Configuration conf = flinkConfiguration(gpu);
        assertThat(conf.get(ExternalResourceOptions.EXTERNAL_RESOURCE_LIST)).containsExactly("gpu");
        // exactly what Flink's Kubernetes integration turns into resources.limits
        assertThat(ExternalResourceUtils.getExternalResourcesCollection(conf))
                .extracting(ExternalResource::getName, r -> r.getValue().intValue())
                .containsExactly(tuple("gpu", 1));
        assertThat(
                        ExternalResourceUtils.getExternalResourceConfigurationKeys(
                                conf, K8S_CONFIG_KEY_SUFFIX))
                .as("Kubernetes resource names Flink requests per TaskManager")
                .isEqualTo(Map.of("gpu", "nvidia.com/gpu"));
        assertThat((String) gpu.at("spec", "image")).endsWith("-cuda");
        assertThat(gpu.at("spec", "taskManager", "podTemplate", "spec", "nodeSelector"))
                .isNotNull();
        assertThat(list(gpu.at("spec", "taskManager", "podTemplate", "spec", "tolerations")))
                .isNotEmpty();
        assertThat(container(only(render("overlays/gpu"), "Job"), "producer").get("image"))
                .isEqualTo(gpu.at("spec", "image"));

        Manifest cpu = only(render("overlays/cpu"), "FlinkDeployment");
        Configuration cpuConf = flinkConfiguration(cpu);
        assertThat(ExternalResourceUtils.getExternalResourcesCollection(cpuConf)).isEmpty();
        assertThat(container(only(render("overlays/cpu"), "Job"), "producer").get("image"))
                .isEqualTo(cpu.at("spec", "image"));
    }

    // ---- the checks bite --------------------------------------------------------------------

    @Test
    void brokenManifestsAreReported() {
        List<Manifest> objects = render("overlays/gpu");
        Manifest fd = only(objects, "FlinkDeployment");
        Manifest resources =
                fd.with(m -> map(m.at("spec", "taskManager")).put("resources", Map.of()));
        assertThat(validate(resources)).anyMatch(e -> e.contains("resources"));
        Manifest version = fd.with(m -> map(m.at("spec")).put("flinkVersion", "v2_9"));
        assertThat(validate(version)).anyMatch(e -> e.contains("flinkVersion"));

        Manifest job = only(objects, "Job");
        Manifest typo =
                job.with(
                        m ->
                                map(list(m.at("spec", "template", "spec", "containers")).get(0))
                                        .put("imagePullPolcy", "Always"));
        assertThat(validate(typo)).anyMatch(e -> e.contains("imagePullPolcy"));

        Manifest topic = all(objects, "KafkaTopic").get(0);
        assertThat(validate(topic.with(m -> map(m.at("spec")).put("partitions", "two"))))
                .anyMatch(e -> e.contains("partitions"));
        assertThat(validate(topic.with(m -> map(m.at("metadata")).put("label", Map.of()))))
                .anyMatch(e -> e.contains("label"));
    }

    /**
     * The image's entrypoint: OMP_NUM_THREADS = CPU limit (millicores) / 1000 / slots, at least 1,
     * from the downward API or the cgroup; an unsupported GPU stops a TaskManager before Flink.
     * Flink's entrypoint is replaced by {@code env}, which prints what it would get.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "4000, 2, , 2",
        "1500, 2, , 1",
        "16000, 3, , 5",
        ", 1, 300000 100000, 3",
        ", 2, 250000 100000, 1"
    })
    void entrypointSizesOpenMpFromTheCpuLimitAndSlots(
            String millicores, int slots, String cpuMax, int threads, @TempDir Path tmp)
            throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("PRUNESTREAM_FLINK_ENTRYPOINT", "env");
        env.put("PRUNESTREAM_TASK_SLOTS", String.valueOf(slots));
        if (millicores != null) {
            env.put("PRUNESTREAM_CPU_LIMIT_MILLICORES", millicores);
        }
        Path cgroup = tmp.resolve("cpu.max");
        Files.writeString(cgroup, cpuMax == null ? "max 100000\n" : cpuMax + "\n");
        env.put("PRUNESTREAM_CGROUP_CPU_MAX", cgroup.toString());
        Run run = entrypoint(env, "printenv", "OMP_NUM_THREADS");
        assertThat(run.status()).as(run.output()).isZero();
        assertThat(run.output()).endsWith("\n" + threads + "\n");
    }

    @Test
    void entrypointStopsATaskManagerOnAGpuNd4jCannotRun(@TempDir Path tmp) throws Exception {
        Path smi = tmp.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\necho 'NVIDIA H200, 9.0'\n");
        assertThat(smi.toFile().setExecutable(true)).isTrue();
        Map<String, String> env = new HashMap<>();
        env.put("PRUNESTREAM_FLINK_ENTRYPOINT", "env");
        env.put("PRUNESTREAM_NVIDIA_SMI", smi.toString());
        env.put("PRUNESTREAM_CLASSPATH", System.getProperty("java.class.path"));
        Run run = entrypoint(env, "bash", "-c", "kubernetes-taskmanager.sh -D x=y");
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.output())
                .contains("'NVIDIA H200' has compute capability 9.0")
                .doesNotContain("PRUNESTREAM_FLINK_ENTRYPOINT=");

        // the pod template's slot count is the one Flink gets
        Manifest fd = only(render("overlays/cpu"), "FlinkDeployment");
        assertThat(list(mainContainer(fd).get("env")))
                .contains(
                        Map.of(
                                "name",
                                "PRUNESTREAM_TASK_SLOTS",
                                "value",
                                flinkConfiguration(fd)
                                        .getString("taskmanager.numberOfTaskSlots", "")));
        assertThat(flinkConfiguration(fd).getString("kubernetes.entry.path", ""))
                .isEqualTo("/usr/local/bin/prunestream-entrypoint.sh");
        assertThat(Files.readString(K8S.resolve("image/Dockerfile")))
                .contains("/usr/local/bin/prunestream-entrypoint.sh")
                .contains("USER 9999:9999");
    }

    private record Run(int status, String output) {}

    private static Run entrypoint(Map<String, String> env, String... args) throws Exception {
        List<String> command =
                new ArrayList<>(List.of("bash", K8S.resolve("image/entrypoint.sh").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("OMP_NUM_THREADS");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out =
                new String(
                        p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    /**
     * Each rule of {@link ApiServerRules} breaks a copy of a rendered object once and must be
     * reported, so none of them passes everything.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenCopies")
    void eachApiServerRuleRejectsABrokenCopy(
            String rule, String kind, Consumer<Manifest> breakIt, String expected) {
        Manifest original =
                render("overlays/gpu").stream()
                        .filter(m -> m.kind().equals(kind))
                        .findFirst()
                        .orElseThrow();
        assertThat(validate(original)).as("the original is valid").isEmpty();
        assertThat(validate(original.with(breakIt))).anyMatch(e -> e.contains(expected));
    }

    static Stream<Arguments> brokenCopies() {
        return Stream.of(
                broken(
                        "port name of 16 characters",
                        "FlinkDeployment",
                        m -> port(m).put("name", "training-metrics"),
                        "at most 15 characters, has 16"),
                broken(
                        "port name with upper case",
                        "FlinkDeployment",
                        m -> port(m).put("name", "Train-Metrics"),
                        "only lowercase a-z, 0-9 and '-'"),
                broken(
                        "port name without a letter",
                        "FlinkDeployment",
                        m -> port(m).put("name", "9464"),
                        "needs at least one letter"),
                broken(
                        "port name with '--'",
                        "FlinkDeployment",
                        m -> port(m).put("name", "train--metrics"),
                        "no '-' at the start or end, no '--'"),
                broken(
                        "duplicate port name",
                        "FlinkDeployment",
                        m ->
                                map(list(flinkContainer(m).get("ports")).get(1))
                                        .put("name", "train-metrics"),
                        "duplicate port name"),
                broken(
                        "container port out of range",
                        "FlinkDeployment",
                        m -> port(m).put("containerPort", 70000),
                        "1..65535"),
                broken(
                        "PodMonitor port name of 16 characters",
                        "PodMonitor",
                        m ->
                                map(list(m.at("spec", "podMetricsEndpoints")).get(0))
                                        .put("port", "training-metrics"),
                        "at most 15 characters"),
                broken(
                        "NetworkPolicy named port with upper case",
                        "NetworkPolicy",
                        m ->
                                map(list(map(list(m.at("spec", "ingress")).get(2)).get("ports"))
                                                .get(0))
                                        .put("port", "Train-Metrics"),
                        "only lowercase"),
                broken(
                        "container name with '_'",
                        "Job",
                        m -> jobContainer(m).put("name", "data_producer"),
                        "is not a DNS-1123 label"),
                broken(
                        "container name of 64 characters",
                        "Job",
                        m -> jobContainer(m).put("name", "p".repeat(64)),
                        "is not a DNS-1123 label"),
                broken(
                        "object name with upper case",
                        "ConfigMap",
                        m -> map(m.at("metadata")).put("name", "Prunestream-Job-Config"),
                        "is not a DNS-1123 subdomain"),
                broken(
                        "object name of 254 characters",
                        "PersistentVolumeClaim",
                        m -> map(m.at("metadata")).put("name", "p".repeat(254)),
                        "is not a DNS-1123 subdomain"),
                broken(
                        "namespace name with a dot",
                        "Namespace",
                        m -> map(m.at("metadata")).put("name", "prune.stream"),
                        "is not a DNS-1123 label"),
                broken(
                        "FlinkDeployment name longer than Flink's cluster id",
                        "FlinkDeployment",
                        m -> map(m.at("metadata")).put("name", "prunestream-job-" + "x".repeat(30)),
                        "is the Flink cluster id, at most 45 characters"),
                broken(
                        "FlinkDeployment name starting with a digit",
                        "FlinkDeployment",
                        m -> map(m.at("metadata")).put("name", "1prunestream"),
                        "is not a DNS-1035 label"),
                broken(
                        "Job name longer than a label value",
                        "Job",
                        m ->
                                map(m.at("metadata"))
                                        .put("name", "prunestream-producer-" + "x".repeat(50)),
                        "is not a valid label value"),
                broken(
                        "label key prefix with upper case",
                        "Namespace",
                        m -> m.labels().put("App.Kubernetes.IO/part-of", "prunestream"),
                        "has a prefix that is not a DNS-1123 subdomain"),
                broken(
                        "label key name of 64 characters",
                        "Namespace",
                        m -> m.labels().put("example.com/" + "k".repeat(64), "x"),
                        "has a name part that is not a qualified name"),
                broken(
                        "label value of 64 characters",
                        "Namespace",
                        m -> m.labels().put("app.kubernetes.io/part-of", "v".repeat(64)),
                        "is not a valid label value"),
                broken(
                        "label value with a space",
                        "PodMonitor",
                        m ->
                                map(m.at("spec", "selector", "matchLabels"))
                                        .put("component", "task manager"),
                        "is not a valid label value"),
                broken(
                        "label value that is not a string",
                        "Namespace",
                        m -> m.labels().put("tier", 1),
                        "must be a string"),
                broken(
                        "node selector key with a space",
                        "FlinkDeployment",
                        m ->
                                map(m.at(
                                                "spec",
                                                "taskManager",
                                                "podTemplate",
                                                "spec",
                                                "nodeSelector"))
                                        .put("nvidia.com/gpu present", "true"),
                        "has a name part that is not a qualified name"),
                broken(
                        "annotation key with two slashes",
                        "ConfigMap",
                        m -> map(m.at("metadata")).put("annotations", Map.of("a/b/c", "x")),
                        "has a name part that is not a qualified name"),
                broken(
                        "env name starting with a digit",
                        "FlinkDeployment",
                        m -> env(flinkContainer(m)).put("name", "1OMP_WAIT_POLICY"),
                        "is not a valid environment variable name"),
                broken(
                        "env name with '='",
                        "Job",
                        m -> env(jobContainer(m)).put("name", "KAFKA=JAAS"),
                        "is not a valid environment variable name"),
                broken(
                        "env name in a Strimzi container template",
                        "Kafka",
                        m ->
                                map(m.at("spec", "kafka", "template", "kafkaContainer"))
                                        .put(
                                                "env",
                                                List.of(
                                                        Map.of(
                                                                "name",
                                                                "KAFKA HEAP",
                                                                "value",
                                                                "1g"))),
                        "is not a valid environment variable name"),
                broken(
                        "downward API resource that does not exist",
                        "FlinkDeployment",
                        m ->
                                map(map(map(list(flinkContainer(m).get("env")).get(1))
                                                        .get("valueFrom"))
                                                .get("resourceFieldRef"))
                                        .put("resource", "limits.gpu"),
                        "must be one of"),
                broken(
                        "quantity with a space",
                        "Job",
                        m -> requests(jobContainer(m)).put("memory", "512 Mi"),
                        "is not a quantity"),
                broken(
                        "quantity with a decimal unit spelled GB",
                        "Job",
                        m -> requests(jobContainer(m)).put("ephemeral-storage", "1GB"),
                        "is not a quantity"),
                broken(
                        "quantity in a PersistentVolumeClaim",
                        "PersistentVolumeClaim",
                        m -> map(m.at("spec", "resources", "requests")).put("storage", "20 GiB"),
                        "is not a quantity"),
                broken(
                        "quantity in a Strimzi node pool",
                        "KafkaNodePool",
                        m -> map(m.at("spec", "resources", "requests")).put("memory", "2gi"),
                        "is not a quantity"),
                broken(
                        "Strimzi volume size",
                        "KafkaNodePool",
                        m ->
                                map(list(m.at("spec", "storage", "volumes")).get(0))
                                        .put("size", "20G B"),
                        "is not a quantity"),
                broken(
                        "negative quantity",
                        "Job",
                        m -> requests(jobContainer(m)).put("cpu", "-250m"),
                        "must be greater than or equal to 0"),
                broken(
                        "request above its limit",
                        "Job",
                        m -> requests(jobContainer(m)).put("memory", "2Gi"),
                        "must be less than or equal to the limit"),
                broken(
                        "fractional extended resource",
                        "Job",
                        m ->
                                map(map(jobContainer(m).get("resources")).get("limits"))
                                        .put("nvidia.com/gpu", "0.5"),
                        "must be a whole number for an extended resource"),
                broken(
                        "unknown resource name",
                        "Job",
                        m -> requests(jobContainer(m)).put("gpu", "1"),
                        "is neither a standard resource"),
                broken(
                        "emptyDir size limit",
                        "Job",
                        m ->
                                map(map(list(m.at("spec", "template", "spec", "volumes")).get(0))
                                                .get("emptyDir"))
                                        .put("sizeLimit", "64 Mi"),
                        "is not a quantity"),
                broken(
                        "volume mount naming no volume",
                        "FlinkDeployment",
                        m ->
                                map(list(flinkContainer(m).get("volumeMounts")).get(0))
                                        .put("name", "data"),
                        "names no volume of the pod"),
                broken(
                        "image pull policy that does not exist",
                        "Job",
                        m -> jobContainer(m).put("imagePullPolicy", "IfMissing"),
                        "must be one of [Always, IfNotPresent, Never]"),
                broken(
                        "a Job's pods restarting Always",
                        "Job",
                        m -> map(m.at("spec", "template", "spec")).put("restartPolicy", "Always"),
                        "must be one of [OnFailure, Never]"),
                broken(
                        "access mode that does not exist",
                        "PersistentVolumeClaim",
                        m -> map(m.at("spec")).put("accessModes", List.of("ReadWriteMultiple")),
                        "must be one of [ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod]"),
                broken(
                        "NetworkPolicy type in lower case",
                        "NetworkPolicy",
                        m -> map(m.at("spec")).put("policyTypes", List.of("ingress")),
                        "must be one of [Ingress, Egress]"),
                broken(
                        "volume name with upper case",
                        "Job",
                        m ->
                                map(list(m.at("spec", "template", "spec", "volumes")).get(0))
                                        .put("name", "Tmp"),
                        "is not a DNS-1123 label"));
    }

    private static Arguments broken(
            String rule, String kind, Consumer<Manifest> breakIt, String expected) {
        return Arguments.of(rule, kind, breakIt, expected);
    }

    /**
     * Each control of the Pod Security Standards' restricted profile ({@link
     * PodSecurityRestricted}), and Kubernetes' own PodTemplateSpec for the pods Flink makes, breaks
     * a copy of a rendered object once and must be reported.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("podSecurityBrokenCopies")
    void eachPodSecurityControlRejectsABrokenCopy(
            String control,
            String kustomization,
            String kind,
            Consumer<Manifest> breakIt,
            String expected) {
        Manifest original = only(render(kustomization), kind);
        assertThat(validate(original)).as("the original is valid").isEmpty();
        assertThat(validate(original.with(breakIt))).anyMatch(e -> e.contains(expected));
    }

    /** The API server's PodSecurity admission checks the same profile on the namespace's pods. */
    @Test
    void theNamespaceAsksTheApiServerToCheckTheRestrictedProfile() {
        for (String k : KUSTOMIZATIONS) {
            assertThat(only(render(k), "Namespace").labels())
                    .as(k)
                    .containsEntry("pod-security.kubernetes.io/warn", "restricted")
                    .containsEntry("pod-security.kubernetes.io/audit", "restricted");
        }
    }

    static Stream<Arguments> podSecurityBrokenCopies() {
        String gpu = "overlays/gpu";
        return Stream.of(
                Arguments.of(
                        "runAsNonRoot removed from the Flink pods",
                        gpu,
                        "FlinkDeployment",
                        (Consumer<Manifest>) m -> flinkPodSecurity(m).remove("runAsNonRoot"),
                        "Running as Non-root (restricted)"),
                Arguments.of(
                        "runAsNonRoot false on the producer's container",
                        gpu,
                        "Job",
                        (Consumer<Manifest>)
                                m -> securityContext(jobContainer(m)).put("runAsNonRoot", false),
                        "Running as Non-root (restricted)"),
                Arguments.of(
                        "runAsUser 0 for the producer's pod",
                        gpu,
                        "Job",
                        (Consumer<Manifest>) m -> jobPodSecurity(m).put("runAsUser", 0),
                        "Running as Non-root user (restricted)"),
                Arguments.of(
                        "no seccomp profile for the Flink pods",
                        gpu,
                        "FlinkDeployment",
                        (Consumer<Manifest>) m -> flinkPodSecurity(m).remove("seccompProfile"),
                        "Seccomp (restricted)"),
                Arguments.of(
                        "seccomp Unconfined on the producer's container",
                        gpu,
                        "Job",
                        (Consumer<Manifest>)
                                m ->
                                        securityContext(jobContainer(m))
                                                .put(
                                                        "seccompProfile",
                                                        Map.of("type", "Unconfined")),
                        "Seccomp (baseline) forbids"),
                Arguments.of(
                        "allowPrivilegeEscalation unset on Flink's container",
                        gpu,
                        "FlinkDeployment",
                        (Consumer<Manifest>)
                                m ->
                                        securityContext(flinkContainer(m))
                                                .remove("allowPrivilegeEscalation"),
                        "Privilege Escalation (restricted)"),
                Arguments.of(
                        "capabilities not all dropped",
                        gpu,
                        "Job",
                        (Consumer<Manifest>)
                                m ->
                                        securityContext(jobContainer(m))
                                                .put(
                                                        "capabilities",
                                                        Map.of("drop", List.of("NET_RAW"))),
                        "Capabilities (restricted) need ALL"),
                Arguments.of(
                        "a capability added",
                        gpu,
                        "Job",
                        (Consumer<Manifest>)
                                m ->
                                        securityContext(jobContainer(m))
                                                .put(
                                                        "capabilities",
                                                        Map.of(
                                                                "drop", List.of("ALL"),
                                                                "add", List.of("SYS_ADMIN"))),
                        "allow only NET_BIND_SERVICE"),
                Arguments.of(
                        "privileged container",
                        gpu,
                        "Job",
                        (Consumer<Manifest>)
                                m -> securityContext(jobContainer(m)).put("privileged", true),
                        "Privileged Containers (baseline)"),
                Arguments.of(
                        "hostNetwork in the TaskManagers' own template only",
                        gpu,
                        "FlinkDeployment",
                        (Consumer<Manifest>)
                                m ->
                                        map(m.at("spec", "taskManager", "podTemplate", "spec"))
                                                .put("hostNetwork", true),
                        "spec.taskManager.podTemplate: spec.hostNetwork is true"),
                Arguments.of(
                        "hostPID",
                        gpu,
                        "Job",
                        (Consumer<Manifest>)
                                m -> map(m.at("spec", "template", "spec")).put("hostPID", true),
                        "hostPID is true: Host Namespaces"),
                Arguments.of(
                        "hostPath volume",
                        gpu,
                        "Job",
                        (Consumer<Manifest>)
                                m ->
                                        list(m.at("spec", "template", "spec", "volumes"))
                                                .add(
                                                        Map.of(
                                                                "name",
                                                                "host",
                                                                "hostPath",
                                                                Map.of("path", "/"))),
                        "hostPath: Volume Types (restricted)"),
                Arguments.of(
                        "host port",
                        gpu,
                        "FlinkDeployment",
                        (Consumer<Manifest>) m -> port(m).put("hostPort", 9464),
                        "hostPort is 9464: Host Ports (baseline)"),
                Arguments.of(
                        "unmasked /proc",
                        gpu,
                        "Job",
                        (Consumer<Manifest>)
                                m -> securityContext(jobContainer(m)).put("procMount", "Unmasked"),
                        "/proc Mount Type (baseline)"),
                Arguments.of(
                        "unsafe sysctl",
                        gpu,
                        "Job",
                        (Consumer<Manifest>)
                                m ->
                                        jobPodSecurity(m)
                                                .put(
                                                        "sysctls",
                                                        List.of(
                                                                Map.of(
                                                                        "name", "kernel.msgmax",
                                                                        "value", "65536"))),
                        "Sysctls (baseline)"),
                Arguments.of(
                        "SELinux type spc_t",
                        gpu,
                        "Job",
                        (Consumer<Manifest>)
                                m ->
                                        securityContext(jobContainer(m))
                                                .put("seLinuxOptions", Map.of("type", "spc_t")),
                        "SELinux (baseline)"),
                Arguments.of(
                        "AppArmor unconfined",
                        gpu,
                        "FlinkDeployment",
                        (Consumer<Manifest>)
                                m ->
                                        securityContext(flinkContainer(m))
                                                .put(
                                                        "appArmorProfile",
                                                        Map.of("type", "Unconfined")),
                        "AppArmor (baseline)"),
                Arguments.of(
                        "Windows HostProcess",
                        gpu,
                        "Job",
                        (Consumer<Manifest>)
                                m ->
                                        jobPodSecurity(m)
                                                .put("windowsOptions", Map.of("hostProcess", true)),
                        "HostProcess (baseline)"),
                Arguments.of(
                        "an init container with no security context",
                        gpu,
                        "Job",
                        (Consumer<Manifest>)
                                m ->
                                        map(m.at("spec", "template", "spec"))
                                                .put(
                                                        "initContainers",
                                                        List.of(
                                                                Map.of(
                                                                        "name", "wait",
                                                                        "image", "busybox"))),
                        "initContainers[name=wait].securityContext.allowPrivilegeEscalation"),
                Arguments.of(
                        "Flink's main container renamed away",
                        gpu,
                        "FlinkDeployment",
                        (Consumer<Manifest>) m -> flinkContainer(m).put("name", "main"),
                        "has no flink-main-container"),
                Arguments.of(
                        "Strimzi's broker container may escalate",
                        gpu,
                        "Kafka",
                        (Consumer<Manifest>)
                                m ->
                                        map(m.at(
                                                        "spec",
                                                        "kafka",
                                                        "template",
                                                        "kafkaContainer",
                                                        "securityContext"))
                                                .remove("allowPrivilegeEscalation"),
                        "kafkaContainer.securityContext.allowPrivilegeEscalation"),
                Arguments.of(
                        "the Kafka Exporter without a seccomp profile",
                        gpu,
                        "Kafka",
                        (Consumer<Manifest>)
                                m ->
                                        map(m.at(
                                                        "spec",
                                                        "kafkaExporter",
                                                        "template",
                                                        "container",
                                                        "securityContext"))
                                                .remove("seccompProfile"),
                        "kafkaExporter.template.container.securityContext.seccompProfile"),
                Arguments.of(
                        "the User Operator without a security context",
                        "overlays/cpu-scram-tls",
                        "Kafka",
                        (Consumer<Manifest>)
                                m ->
                                        map(m.at("spec", "entityOperator", "template"))
                                                .remove("userOperatorContainer"),
                        "userOperatorContainer.securityContext.runAsNonRoot"),
                Arguments.of(
                        "a TaskManager sidecar without a name (Kubernetes' PodTemplateSpec)",
                        gpu,
                        "FlinkDeployment",
                        (Consumer<Manifest>)
                                m ->
                                        map(m.at("spec", "taskManager", "podTemplate", "spec"))
                                                .put(
                                                        "containers",
                                                        List.of(Map.of("image", "busybox"))),
                        "taskManager pod template: The required field `name`"));
    }

    private static Map<String, Object> securityContext(Map<String, Object> container) {
        return map(container.get("securityContext"));
    }

    private static Map<String, Object> flinkPodSecurity(Manifest fd) {
        return map(fd.at("spec", "podTemplate", "spec", "securityContext"));
    }

    private static Map<String, Object> jobPodSecurity(Manifest job) {
        return map(job.at("spec", "template", "spec", "securityContext"));
    }

    private static Map<String, Object> flinkContainer(Manifest fd) {
        return mainContainer(fd);
    }

    private static Map<String, Object> port(Manifest fd) {
        return map(list(mainContainer(fd).get("ports")).get(0));
    }

    private static Map<String, Object> jobContainer(Manifest job) {
        return map(list(job.at("spec", "template", "spec", "containers")).get(0));
    }

    private static Map<String, Object> env(Map<String, Object> container) {
        return map(list(container.get("env")).get(0));
    }

    private static Map<String, Object> requests(Map<String, Object> container) {
        return map(map(container.get("resources")).get("requests"));
    }

    @Test
    void theScramTlsOverlaysJobYamlPassesKafkaClientSettingsThrough(@TempDir Path tmp)
            throws IOException {
        Path file = tmp.resolve("job.yaml");
        Files.writeString(file, jobYaml(render("overlays/cpu-scram-tls")));
        var settings =
                JobConfig.settings(
                        JobConfig.fromArgs(
                                new String[] {
                                    "--config", file.toString(), "--bootstrap-servers", "k:9093"
                                }));
        assertThat(settings.kafka().clientProperties())
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", "${env:KAFKA_SASL_JAAS_CONFIG}")
                .containsKey("ssl.truststore.location");
        assertThat(settings.kafka().startingOffsets()).isEqualTo("committed");
    }

    @Test
    void aTypoInJobYamlFailsTheJobsParser(@TempDir Path tmp) throws IOException {
        String yaml = jobYaml(render("overlays/cpu"));
        Path file = tmp.resolve("job.yaml");
        Files.writeString(file, yaml.replace("dead-letter-topic:", "dead-leter-topic:"));
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--config", file.toString()}))
                .hasMessageContaining("kafka.dead-leter-topic");
    }

    // ---- helpers: the job's view --------------------------------------------------------------

    /** The job's configuration as {@code PruneJob.main} builds it from the deployment's args. */
    private static Configuration jobConfiguration(List<Manifest> objects, Path tmp) {
        Manifest fd = only(objects, "FlinkDeployment");
        List<String> args = new ArrayList<>(strings(fd.at("spec", "job", "args")));
        int config = args.indexOf("--config");
        assertThat(config).as("--config in the job's args").isNotNegative();
        String configMapName = "prunestream-job-config";
        String mountPath = null;
        Map<String, String> volumesByConfigMap = new HashMap<>();
        for (Object v : list(fd.at("spec", "podTemplate", "spec", "volumes"))) {
            Map<String, Object> volume = map(v);
            if (volume.get("configMap") != null) {
                volumesByConfigMap.put(
                        (String) map(volume.get("configMap")).get("name"),
                        (String) volume.get("name"));
            }
        }
        for (Object m : list(mainContainer(fd).get("volumeMounts"))) {
            Map<String, Object> mount = map(m);
            if (mount.get("name").equals(volumesByConfigMap.get(configMapName))) {
                mountPath = (String) mount.get("mountPath");
            }
        }
        assertThat(args.get(config + 1))
                .as("--config names job.yaml where the ConfigMap is mounted")
                .isEqualTo(mountPath + "/job.yaml");
        try {
            Path file = tmp.resolve("job.yaml");
            Files.writeString(file, jobYaml(objects));
            args.set(config + 1, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return JobConfig.fromArgs(args.toArray(String[]::new));
    }

    private static String jobYaml(List<Manifest> objects) {
        Manifest cm =
                all(objects, "ConfigMap").stream()
                        .filter(m -> m.name().equals("prunestream-job-config"))
                        .findFirst()
                        .orElseThrow();
        return (String) map(cm.object().get("data")).get("job.yaml");
    }

    private static String bootstrapAddress(Manifest kafka) {
        for (Object l : list(kafka.at("spec", "kafka", "listeners"))) {
            Map<String, Object> listener = map(l);
            if ("internal".equals(listener.get("type"))
                    && Boolean.FALSE.equals(listener.get("tls"))) {
                return kafka.name() + "-kafka-bootstrap:" + listener.get("port");
            }
        }
        throw new AssertionError(kafka + " has no plain internal listener");
    }

    private static int scrapedPort(Manifest monitor, Map<String, Integer> containerPorts) {
        List<Object> endpoints = list(monitor.at("spec", "podMetricsEndpoints"));
        assertThat(endpoints).hasSize(1);
        String name = (String) map(endpoints.get(0)).get("port");
        assertThat(containerPorts)
                .as(monitor + " scrapes a port the Flink pods declare")
                .containsKey(name);
        return containerPorts.get(name);
    }

    private static Map<String, Object> mainContainer(Manifest fd) {
        for (Object c : list(fd.at("spec", "podTemplate", "spec", "containers"))) {
            if (FLINK_CONTAINER.equals(map(c).get("name"))) {
                return map(c);
            }
        }
        throw new AssertionError(fd + " has no container " + FLINK_CONTAINER);
    }

    private static List<String> mountedPaths(Manifest fd) {
        Set<String> claims = new HashSet<>();
        for (Object v : list(fd.at("spec", "podTemplate", "spec", "volumes"))) {
            if (map(v).get("persistentVolumeClaim") != null) {
                claims.add((String) map(v).get("name"));
            }
        }
        return list(mainContainer(fd).get("volumeMounts")).stream()
                .map(K8sManifestsTest::map)
                .filter(m -> claims.contains(m.get("name")))
                .map(m -> (String) m.get("mountPath"))
                .toList();
    }

    private static boolean under(String path, String dir) {
        return path.equals(dir) || path.startsWith(dir + "/");
    }

    private static Map<String, Object> container(Manifest job, String name) {
        for (Object c : list(job.at("spec", "template", "spec", "containers"))) {
            if (name.equals(map(c).get("name"))) {
                return map(c);
            }
        }
        throw new AssertionError(job + " has no container " + name);
    }

    private static String argument(List<String> args, String option) {
        int i = args.indexOf(option);
        assertThat(i).as(option).isNotNegative();
        return args.get(i + 1);
    }

    /** The flinkConfiguration as Flink reads it (nested keys flattened, as the operator does). */
    private static Configuration flinkConfiguration(Manifest fd) {
        Map<String, String> flat = new LinkedHashMap<>();
        flatten("", map(fd.at("spec", "flinkConfiguration")), flat);
        return Configuration.fromMap(flat);
    }

    private static void flatten(String prefix, Map<String, Object> m, Map<String, String> out) {
        m.forEach(
                (k, v) -> {
                    String key = prefix.isEmpty() ? k : prefix + "." + k;
                    if (v instanceof Map<?, ?>) {
                        flatten(key, map(v), out);
                    } else {
                        out.put(key, String.valueOf(v));
                    }
                });
    }

    /** Keys (and deprecated keys) of the Flink options a deployment may set. */
    private static Set<String> flinkOptionKeys() {
        Set<String> keys = new TreeSet<>();
        for (Class<?> holder :
                List.of(
                        CoreOptions.class,
                        CheckpointingOptions.class,
                        StateBackendOptions.class,
                        HighAvailabilityOptions.class,
                        TaskManagerOptions.class,
                        JobManagerOptions.class,
                        RestartStrategyOptions.class,
                        MetricOptions.class,
                        ExternalResourceOptions.class)) {
            for (Field f : holder.getFields()) {
                if (Modifier.isStatic(f.getModifiers())
                        && ConfigOption.class.isAssignableFrom(f.getType())) {
                    try {
                        ConfigOption<?> option = (ConfigOption<?>) f.get(null);
                        keys.add(option.key());
                        for (FallbackKey fallback : option.fallbackKeys()) {
                            keys.add(fallback.getKey());
                        }
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return keys;
    }

    // ---- helpers: validation ------------------------------------------------------------------

    @FunctionalInterface
    private interface CoreValidator {
        void validate(JsonElement json) throws IOException;
    }

    /** Errors of one object, each naming the file, the object and the field. */
    private static List<String> validate(Manifest m) {
        List<String> errors = new ArrayList<>();
        String id = m.apiVersion() + "/" + m.kind();
        ApiServerRules.check(m.kind(), m.object()).forEach(e -> errors.add(m + ": " + e));
        PodSecurityRestricted.check(m.kind(), m.object()).forEach(e -> errors.add(m + ": " + e));
        try {
            // Gson as DL4J brings it (2.8): no static JsonParser.parseString yet
            JsonElement tree = new JsonParser().parse(JSON.writeValueAsString(m.object()));
            V1ObjectMeta.validateJsonElement(tree.getAsJsonObject().get("metadata"));
            if (m.kind().equals("FlinkDeployment")) {
                // the pods Flink makes, each role's template merged into the common one, against
                // Kubernetes' own PodTemplateSpec (not only the operator CRD's copy of it)
                for (String role : List.of("jobManager", "taskManager")) {
                    try {
                        V1PodTemplateSpec.validateJsonElement(
                                new JsonParser()
                                        .parse(JSON.writeValueAsString(flinkPodTemplate(m, role))));
                    } catch (IOException | IllegalArgumentException e) {
                        errors.add(m + ": " + role + " pod template: " + e.getMessage());
                    }
                }
            }
            CoreValidator core = CORE_KINDS.get(id);
            if (core != null) {
                core.validate(tree);
                return errors;
            }
        } catch (IOException | IllegalArgumentException e) {
            errors.add(m + ": " + e.getMessage());
            return errors;
        }
        String file = SCHEMA_FILES.get(id);
        if (file == null) {
            errors.add(m + ": no schema for " + id + " (add it to k8s/schemas and SOURCES.md)");
            return errors;
        }
        JsonNode node = JSON.valueToTree(m.object());
        for (ValidationMessage msg : schema(file).validate(node)) {
            errors.add(m + ": " + msg.getMessage());
        }
        return errors;
    }

    /** The pod template Flink uses for a role: the common one with the role's merged in. */
    private static Map<String, Object> flinkPodTemplate(Manifest fd, String role) {
        Map<String, Object> common =
                fd.at("spec", "podTemplate") == null ? Map.of() : map(fd.at("spec", "podTemplate"));
        Object own = fd.at("spec", role, "podTemplate");
        Map<String, Object> mine = own == null ? Map.of() : map(own);
        Map<String, Object> template = new LinkedHashMap<>();
        Object metadata =
                merge(
                        common.getOrDefault("metadata", Map.of()),
                        mine.getOrDefault("metadata", Map.of()),
                        true);
        if (!map(metadata).isEmpty()) {
            template.put("metadata", metadata);
        }
        template.put(
                "spec",
                PodSecurityRestricted.mergePodSpecs(
                        common.get("spec") == null ? Map.of() : map(common.get("spec")),
                        mine.get("spec") == null ? Map.of() : map(mine.get("spec"))));
        return template;
    }

    private static JsonSchema schema(String file) {
        return SCHEMAS.computeIfAbsent(
                file,
                f -> {
                    // OpenAPI's Kubernetes extensions carry no constraint a client can check;
                    // any other keyword the schema validator does not know is an error
                    JsonMetaSchema meta =
                            JsonMetaSchema.builder(
                                            "https://prunestream.io/k8s-crd-schema",
                                            JsonMetaSchema.getV7())
                                    .keywords(
                                            Stream.of(
                                                            "x-kubernetes-preserve-unknown-fields",
                                                            "x-kubernetes-int-or-string",
                                                            "x-kubernetes-list-type",
                                                            "x-kubernetes-list-map-keys",
                                                            "x-kubernetes-map-type",
                                                            "x-kubernetes-embedded-resource",
                                                            "x-kubernetes-validations",
                                                            "nullable",
                                                            "example")
                                                    .map(NonValidationKeyword::new)
                                                    .toList())
                                    .unknownKeywordFactory(
                                            DisallowUnknownKeywordFactory.getInstance())
                                    .build();
                    JsonSchemaFactory factory =
                            JsonSchemaFactory.getInstance(
                                    SpecVersion.VersionFlag.V7,
                                    b -> b.metaSchema(meta).defaultMetaSchemaIri(meta.getIri()));
                    try (InputStream in = Files.newInputStream(K8S.resolve("schemas").resolve(f))) {
                        return factory.getSchema(
                                JSON.readTree(in), SchemaValidatorsConfig.builder().build());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    // ---- helpers: rendering -------------------------------------------------------------------

    /** One Kubernetes object and the file it came from. */
    record Manifest(Path source, Map<String, Object> object) {
        String apiVersion() {
            return (String) object.get("apiVersion");
        }

        String kind() {
            return (String) object.get("kind");
        }

        String name() {
            return String.valueOf(map(object.get("metadata")).get("name"));
        }

        Map<String, Object> labels() {
            Object labels = map(object.get("metadata")).get("labels");
            return labels == null ? Map.of() : map(labels);
        }

        Object at(String... path) {
            Object node = object;
            for (String p : path) {
                if (!(node instanceof Map<?, ?> m)) {
                    return null;
                }
                node = m.get(p);
            }
            return node;
        }

        /** A deep copy with {@code change} applied (for the checks that must fail). */
        Manifest with(Consumer<Manifest> change) {
            Manifest copy = new Manifest(source, map(deepCopy(object)));
            change.accept(copy);
            return copy;
        }

        @Override
        public String toString() {
            return K8S.relativize(source) + " " + kind() + "/" + name();
        }
    }

    /** The objects of a kustomization, rendered once (also read by FirstDeployITCase). */
    static List<Manifest> render(String kustomization) {
        return RENDERED.computeIfAbsent(
                kustomization,
                k ->
                        renderDir(K8S.resolve(k).normalize(), new ArrayList<>()).stream()
                                // kustomize drops these once the whole build is done
                                .filter(m -> !localConfig(m))
                                .toList());
    }

    private static boolean localConfig(Manifest m) {
        Object annotations = map(m.object().get("metadata")).get("annotations");
        return annotations instanceof Map<?, ?> a
                && "true".equals(a.get("config.kubernetes.io/local-config"));
    }

    /**
     * A minimal kustomize: {@code resources} (files or folders with a kustomization), {@code
     * components} (kind Component, applied after the resources), {@code configMapGenerator} with
     * {@code files}, no hash suffix and {@code behavior} create or replace, {@code patches} given
     * by {@code path} (strategic merge matched by kind and name; lists of objects with a {@code
     * name} merge by name in built-in kinds and are replaced in custom resources, as kustomize does
     * without their schema), {@code images} (every {@code containers[].image} and {@code
     * initContainers[].image}, plus the fields that {@code configurations} files name under {@code
     * images}) and {@code namespace}. Anything else fails, so the manifests cannot quietly need
     * more than this test understands.
     */
    private static List<Manifest> renderDir(Path dir, List<Map<String, Object>> imageFields) {
        return renderInto(dir, new ArrayList<>(), imageFields);
    }

    private static List<Manifest> renderInto(
            Path dir, List<Manifest> out, List<Map<String, Object>> imageFields) {
        Map<String, Object> k = map(loadAll(dir.resolve("kustomization.yaml")).get(0));
        Set<String> supported =
                Set.of(
                        "apiVersion",
                        "kind",
                        "resources",
                        "components",
                        "patches",
                        "configMapGenerator",
                        "images",
                        "configurations",
                        "replacements",
                        "namespace");
        assertThat(k.keySet())
                .as(dir + "/kustomization.yaml uses fields this test cannot render")
                .isSubsetOf(supported);
        for (Object c : list(k.getOrDefault("configurations", List.of()))) {
            Map<String, Object> config = map(loadAll(dir.resolve((String) c)).get(0));
            assertThat(config.keySet()).as("configurations: images only").containsOnly("images");
            list(config.get("images")).forEach(f -> imageFields.add(map(f)));
        }
        for (Object r : list(k.getOrDefault("resources", List.of()))) {
            Path p = dir.resolve((String) r).normalize();
            if (Files.isDirectory(p)) {
                out.addAll(renderDir(p, imageFields));
            } else {
                loadAll(p).forEach(o -> out.add(new Manifest(p, map(o))));
            }
        }
        for (Object c : list(k.getOrDefault("components", List.of()))) {
            Path p = dir.resolve((String) c).normalize();
            Map<String, Object> component = map(loadAll(p.resolve("kustomization.yaml")).get(0));
            assertThat(component.get("kind"))
                    .as(p + " is a kustomize Component")
                    .isEqualTo("Component");
            renderInto(p, out, imageFields);
        }
        for (Object g : list(k.getOrDefault("configMapGenerator", List.of()))) {
            Map<String, Object> gen = map(g);
            assertThat(gen.keySet()).isSubsetOf("name", "files", "options", "behavior");
            assertThat(gen.get("options"))
                    .as("the pods name the ConfigMap: keep disableNameSuffixHash")
                    .isEqualTo(Map.of("disableNameSuffixHash", true));
            Map<String, Object> data = new LinkedHashMap<>();
            for (Object f : list(gen.get("files"))) {
                Path p = dir.resolve((String) f);
                try {
                    data.put(p.getFileName().toString(), Files.readString(p));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("apiVersion", "v1");
            cm.put("kind", "ConfigMap");
            cm.put("metadata", new LinkedHashMap<>(Map.of("name", gen.get("name"))));
            cm.put("data", data);
            Manifest generated = new Manifest(dir.resolve("kustomization.yaml"), cm);
            int existing = indexOf(out, generated);
            Object behavior = gen.getOrDefault("behavior", "create");
            if (behavior.equals("replace")) {
                assertThat(existing).as(generated + " replaces no ConfigMap").isNotNegative();
                // the data is replaced; the object keeps its metadata (namespace, labels)
                cm.put("metadata", deepCopy(out.get(existing).object().get("metadata")));
                out.set(existing, new Manifest(out.get(existing).source(), cm));
            } else {
                assertThat(behavior).as("configMapGenerator behavior").isEqualTo("create");
                assertThat(existing).as(generated + " exists already").isNegative();
                out.add(generated);
            }
        }
        for (Object pt : list(k.getOrDefault("patches", List.of()))) {
            Map<String, Object> entry = map(pt);
            assertThat(entry.keySet()).as("patches by path only").containsExactly("path");
            Path p = dir.resolve((String) entry.get("path")).normalize();
            Manifest patch = new Manifest(p, map(loadAll(p).get(0)));
            int i = indexOf(out, patch);
            assertThat(i).as(patch + " patches no object").isNotNegative();
            Manifest target = out.get(i);
            boolean builtIn = CORE_KINDS.containsKey(target.apiVersion() + "/" + target.kind());
            out.set(
                    i,
                    new Manifest(
                            target.source(), map(merge(target.object(), patch.object(), builtIn))));
        }
        for (Object im : list(k.getOrDefault("images", List.of()))) {
            Map<String, Object> image = map(im);
            assertThat(image.keySet()).isSubsetOf("name", "newName", "newTag", "digest");
            for (Manifest m : out) {
                setImages(m.object(), image);
                for (Map<String, Object> field : imageFields) {
                    assertThat(field.keySet()).isSubsetOf("path", "kind");
                    if (field.get("kind") == null || field.get("kind").equals(m.kind())) {
                        setImageAt(m.object(), ((String) field.get("path")).split("/"), image);
                    }
                }
            }
        }
        Object namespace = k.get("namespace");
        if (namespace != null) {
            for (Manifest m : out) {
                if (!m.kind().equals("Namespace")) {
                    map(m.object().get("metadata")).put("namespace", namespace);
                }
            }
        }
        for (Object r : list(k.getOrDefault("replacements", List.of()))) {
            replace(out, map(r));
        }
        return out;
    }

    /**
     * kustomize's replacement given inline: the value at {@code source.fieldPath} of the one object
     * of that kind and name, written to every {@code fieldPaths} entry (dotted) of the objects each
     * target selects by kind (and name), created where {@code options.create} is true.
     */
    private static void replace(List<Manifest> objects, Map<String, Object> replacement) {
        assertThat(replacement.keySet())
                .as("replacements given inline")
                .containsOnly("source", "targets");
        Map<String, Object> source = map(replacement.get("source"));
        assertThat(source.keySet()).containsOnly("kind", "name", "fieldPath");
        List<Manifest> sources =
                objects.stream()
                        .filter(m -> m.kind().equals(source.get("kind")))
                        .filter(m -> m.name().equals(source.get("name")))
                        .toList();
        assertThat(sources)
                .as("replacement source %s/%s", source.get("kind"), source.get("name"))
                .hasSize(1);
        Object value = sources.get(0).at(((String) source.get("fieldPath")).split("\\."));
        assertThat(value).as("replacement source field %s", source.get("fieldPath")).isNotNull();
        for (Object t : list(replacement.get("targets"))) {
            Map<String, Object> target = map(t);
            assertThat(target.keySet()).isSubsetOf("select", "fieldPaths", "options");
            Map<String, Object> select = map(target.get("select"));
            assertThat(select.keySet()).isSubsetOf("kind", "name");
            boolean create =
                    target.get("options") != null
                            && Boolean.TRUE.equals(map(target.get("options")).get("create"));
            for (Manifest m : objects) {
                if (!m.kind().equals(select.get("kind"))
                        || (select.get("name") != null && !m.name().equals(select.get("name")))) {
                    continue;
                }
                for (Object f : list(target.get("fieldPaths"))) {
                    String[] path = ((String) f).split("\\.");
                    Map<String, Object> node = m.object();
                    for (int i = 0; i < path.length - 1 && node != null; i++) {
                        Object next = node.get(path[i]);
                        if (next == null && create) {
                            next = new LinkedHashMap<String, Object>();
                            node.put(path[i], next);
                        }
                        node = next == null ? null : map(next);
                    }
                    if (node != null && (create || node.containsKey(path[path.length - 1]))) {
                        node.put(path[path.length - 1], deepCopy(value));
                    }
                }
            }
        }
    }

    /** kustomize's images transformer on every containers[] and initContainers[] list. */
    private static void setImages(Object node, Map<String, Object> image) {
        if (node instanceof Map<?, ?> m) {
            for (String key : List.of("containers", "initContainers")) {
                if (m.get(key) instanceof List<?> containers) {
                    containers.forEach(c -> setImageAt(c, new String[] {"image"}, image));
                }
            }
            m.values().forEach(v -> setImages(v, image));
        } else if (node instanceof List<?> l) {
            l.forEach(v -> setImages(v, image));
        }
    }

    private static void setImageAt(Object node, String[] path, Map<String, Object> image) {
        Object parent = node;
        for (int i = 0; i < path.length - 1; i++) {
            if (!(parent instanceof Map<?, ?> m)) {
                return;
            }
            parent = m.get(path[i]);
        }
        if (!(parent instanceof Map<?, ?> m)
                || !(m.get(path[path.length - 1]) instanceof String ref)) {
            return;
        }
        int at = ref.indexOf('@');
        String nameAndTag = at < 0 ? ref : ref.substring(0, at);
        int colon = nameAndTag.lastIndexOf(':');
        String name =
                colon > nameAndTag.lastIndexOf('/') ? nameAndTag.substring(0, colon) : nameAndTag;
        if (!name.equals(image.get("name"))) {
            return;
        }
        String suffix = ref.substring(name.length());
        if (image.get("digest") != null) {
            suffix = "@" + image.get("digest");
        } else if (image.get("newTag") != null) {
            suffix = ":" + image.get("newTag");
        }
        map(parent).put(path[path.length - 1], image.getOrDefault("newName", name) + suffix);
    }

    private static int indexOf(List<Manifest> objects, Manifest patch) {
        for (int i = 0; i < objects.size(); i++) {
            Manifest m = objects.get(i);
            if (m.apiVersion().equals(patch.apiVersion())
                    && m.kind().equals(patch.kind())
                    && m.name().equals(patch.name())) {
                return i;
            }
        }
        return -1;
    }

    private static Object merge(Object base, Object patch, boolean builtIn) {
        if (base instanceof Map<?, ?> && patch instanceof Map<?, ?>) {
            Map<String, Object> out = map(deepCopy(base));
            map(patch)
                    .forEach(
                            (key, value) -> {
                                assertThat(key).as("$patch directives").doesNotStartWith("$");
                                if (value == null) {
                                    out.remove(key);
                                } else {
                                    out.put(key, merge(out.get(key), value, builtIn));
                                }
                            });
            return out;
        }
        if (builtIn
                && base instanceof List<?> b
                && patch instanceof List<?> p
                && named(b)
                && named(p)) {
            List<Object> out = new ArrayList<>(list(deepCopy(base)));
            for (Object item : p) {
                Object name = map(item).get("name");
                int i = 0;
                while (i < out.size() && !Objects.equals(map(out.get(i)).get("name"), name)) {
                    i++;
                }
                if (i < out.size()) {
                    out.set(i, merge(out.get(i), item, true));
                } else {
                    out.add(deepCopy(item));
                }
            }
            return out;
        }
        return deepCopy(patch);
    }

    private static boolean named(List<?> items) {
        return items.stream().allMatch(i -> i instanceof Map<?, ?> m && m.get("name") != null);
    }

    /** Files the kustomization at {@code dir} reads, folders included recursively. */
    private static void collectFiles(Path dir, Set<Path> used) {
        Path kfile = dir.resolve("kustomization.yaml").normalize();
        used.add(kfile);
        Map<String, Object> k = map(loadAll(kfile).get(0));
        for (String field : List.of("resources", "components")) {
            for (Object r : list(k.getOrDefault(field, List.of()))) {
                Path p = dir.resolve((String) r).normalize();
                if (Files.isDirectory(p)) {
                    collectFiles(p, used);
                } else {
                    used.add(p);
                }
            }
        }
        for (Object pt : list(k.getOrDefault("patches", List.of()))) {
            used.add(dir.resolve((String) map(pt).get("path")).normalize());
        }
        for (Object c : list(k.getOrDefault("configurations", List.of()))) {
            used.add(dir.resolve((String) c).normalize());
        }
        for (Object g : list(k.getOrDefault("configMapGenerator", List.of()))) {
            for (Object f : list(map(g).get("files"))) {
                used.add(dir.resolve((String) f).normalize());
            }
        }
    }

    private static List<Object> loadAll(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<Object> docs = new ArrayList<>();
            for (Object doc : new Yaml().loadAll(in)) {
                if (doc != null) {
                    docs.add(doc);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Manifest only(List<Manifest> objects, String kind) {
        List<Manifest> found = all(objects, kind);
        assertThat(found).as("objects of kind " + kind).hasSize(1);
        return found.get(0);
    }

    private static List<Manifest> all(List<Manifest> objects, String kind) {
        return objects.stream().filter(m -> m.kind().equals(kind)).collect(Collectors.toList());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return (List<Object>) o;
    }

    private static List<String> strings(Object o) {
        return list(o).stream().map(String::valueOf).toList();
    }

    private static Object deepCopy(Object o) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put(String.valueOf(k), deepCopy(v)));
            return copy;
        }
        if (o instanceof List<?> l) {
            List<Object> copy = new ArrayList<>();
            l.forEach(v -> copy.add(deepCopy(v)));
            return copy;
        }
        return o;
    }

    private static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("k8s"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no k8s/ folder above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
