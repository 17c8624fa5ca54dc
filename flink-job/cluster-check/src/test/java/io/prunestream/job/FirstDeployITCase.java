package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prunestream.job.K8sManifestsTest.Manifest;
import io.prunestream.job.Processes.Proc;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.PruneOptions;
import io.prunestream.testing.LocalFiles;
import io.prunestream.testing.LocalKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;
import org.apache.flink.util.TimeUtils;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The first deploy of k8s/README.md, step by step, run here: every command the rendered {@code
 * k8s/overlays/cpu} runs, with the files of the image (the k8s/image module's lib/ and usrlib/ on
 * top of Flink's lib/), on a standalone Flink 2.2.1 cluster of separate JVMs and a real broker.
 *
 * <ol>
 *   <li>The Kafka resource's broker settings and the KafkaTopics on a local broker (in place of
 *       Strimzi).
 *   <li>The FlinkDeployment as the operator starts it in application mode: its flinkConfiguration
 *       (plus what the operator derives from the spec) as the cluster's config.yaml; the pod
 *       template's entrypoint ({@code kubernetes.entry.path}, the image's entrypoint.sh) in front
 *       of the JobManager and each TaskManager, with the pod's environment; the job's {@code
 *       entryClass} and {@code args} from {@code usrlib/}. One TaskManager of two slots (the
 *       spec's).
 *   <li>The producer Job's container (command and args) {@code completions} times in a row, while
 *       the job runs; each run must exit 0, and the topic must hold what they sent.
 *   <li>Versions appear; the job's effective configuration (REST) has the cluster's checkpoint
 *       storage, restart strategy and state backend, and the job's own defaults only where the
 *       cluster sets none.
 *   <li>Fault (a): the TaskManager that trains is frozen (SIGSTOP) until the JobManager fails the
 *       trainer with it (heartbeat timeout), then resumed: the same TaskManager restarts the job
 *       from the newest checkpoint, and versions follow.
 *   <li>Fault (b): a second TaskManager joins, the one that trains is killed (SIGKILL); the job
 *       moves to the second from the newest checkpoint, and versions follow.
 *   <li>An upgrade as {@code upgradeMode: savepoint} does it: stop with a savepoint (into the
 *       cluster's savepoint directory, job FINISHED), a new JobManager restores it. The new job's
 *       user-code class loader is the second on that TaskManager, in a JVM that has loaded ND4J's
 *       natives before (Flink keeps a job's class loader across its failovers on a TaskManager, so
 *       (a) reuses it); the trainer starts and publishes again.
 *   <li>Class loading (the TaskManagers' {@code -Xlog:class+load}): ND4J once per JVM, from lib/.
 * </ol>
 *
 * What this changes relative to the manifests is in {@code flink-job/cluster-check/local.yaml}. Not
 * run here: the image build (Docker), the operators, Kubernetes itself.
 */
class FirstDeployITCase {
    private static final String OVERLAY = "overlays/cpu";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STEP = Duration.ofSeconds(150);
    private static final String TRAINER_CLASS = "io.prunestream.job.operators.TrainerOperator";
    private static final String ND4J_CLASS = "org.nd4j.linalg.factory.Nd4j";

    private final long start = System.nanoTime();
    private Path logs;
    private Rest rest;
    private Proc jobManager;
    private final Map<String, Proc> taskManagers = new LinkedHashMap<>();
    private final Set<String> killed = new java.util.HashSet<>();
    private CompletableFuture<Long> produced;
    private final java.util.concurrent.atomic.AtomicBoolean dataNeeded =
            new java.util.concurrent.atomic.AtomicBoolean(true);
    private Path models;
    private List<String> runs;

    @Test
    void theManifestsRunOnAStandaloneCluster() throws Exception {
        Path work = Path.of(System.getProperty("prunestream.work.dir", "target/first-deploy"));
        LocalFiles.deleteTree(work);
        logs = work.resolve("logs");
        Map<String, Object> local = map(new Yaml().load(Files.readString(Path.of("local.yaml"))));

        List<Manifest> objects = K8sManifestsTest.render(OVERLAY);
        refuseWhatThisCheckCannotRun(objects);
        Manifest fd = only(objects, "FlinkDeployment");
        Map<String, Object> pod = map(fd.at("spec", "podTemplate", "spec"));
        Map<String, Object> flinkConfiguration = map(fd.at("spec", "flinkConfiguration"));

        ImageRoot image =
                ImageRoot.create(
                        work.resolve("root"),
                        dir("prunestream.image.dir"),
                        dir("prunestream.flink.lib"),
                        dir("prunestream.flink.plugins"),
                        Path.of("../../k8s/image/entrypoint.sh"));
        Map<String, Manifest> configMaps = new LinkedHashMap<>();
        for (Manifest m : objects) {
            Object spec = m.kind().equals("Job") ? m.at("spec", "template", "spec") : null;
            if (m.kind().equals("FlinkDeployment")) {
                spec = pod;
            }
            if (spec != null) {
                configMaps.putAll(mountVolumes(image, map(spec), objects));
            }
        }
        for (Map.Entry<String, Manifest> cm : configMaps.entrySet()) {
            writeConfigMap(image, cm.getKey(), cm.getValue());
        }
        models = image.path(JobConfigPaths.get(objects, PruneOptions.OUTPUT_DIR));
        runs = JobConfigPaths.get(objects, PruneOptions.RUNS);
        step("image layout in " + image.path("/"));

        try {
            run(work, local, objects, fd, pod, flinkConfiguration, image);
        } finally {
            dataNeeded.set(false);
        }
        System.out.printf(
                "FirstDeployITCase: the manifests of k8s/%s ran in %.0f s%n", OVERLAY, seconds());
    }

    private void run(
            Path work,
            Map<String, Object> local,
            List<Manifest> objects,
            Manifest fd,
            Map<String, Object> pod,
            Map<String, Object> flinkConfiguration,
            ImageRoot image)
            throws Exception {
        try (Processes procs = new Processes(logs);
                LocalKafkaBroker broker = startBroker(objects, work)) {
            String bootstrap = bootstrapOf(only(objects, "Kafka"));
            step("broker at " + broker.bootstrapServers() + " for " + bootstrap);
            Mapper mapper = new Mapper(image, bootstrap, broker.bootstrapServers());

            // the cluster's configuration: the FlinkDeployment's, as the operator writes it
            int restPort = freePort();
            Map<String, String> conf =
                    clusterConfiguration(fd, flinkConfiguration, mapper, map(local.get("flink")));
            conf.put("rest.port", Integer.toString(restPort));
            conf.put("jobmanager.rpc.port", Integer.toString(freePort()));
            writeConfig(image.path("/opt/flink/conf/config.yaml"), conf);
            rest = new Rest(restPort);
            String entry =
                    mapper.map(
                            String.valueOf(
                                    flinkConfiguration.getOrDefault(
                                            "kubernetes.entry.path", "/docker-entrypoint.sh")));

            // JobManager (application mode) and the first TaskManager, through the entrypoint
            Map<String, Object> job = map(fd.at("spec", "job"));
            assertThat(
                            Path.of(
                                    mapper.map(String.valueOf(job.get("jarURI")))
                                            .substring("local://".length())))
                    .as("jarURI of " + fd + " in the image")
                    .isRegularFile();
            List<String> programArgs = new ArrayList<>(mapper.all(strings(job.get("args"))));
            map(local.get("job")).forEach((k, v) -> programArgs.addAll(List.of("--" + k, "" + v)));
            List<String> jobManagerMain =
                    List.of(
                            "org.apache.flink.container.entrypoint"
                                    + ".StandaloneApplicationClusterEntryPoint",
                            "--configDir",
                            image.path("/opt/flink/conf").toString(),
                            "--job-classname",
                            String.valueOf(job.get("entryClass")));
            jobManager =
                    startFlink(
                            procs,
                            image,
                            entry,
                            "jobmanager",
                            conf,
                            pod,
                            fd,
                            jobManagerMain,
                            programArgs);
            taskManagers.put("tm-a", startTaskManager(procs, image, entry, "tm-a", conf, pod, fd));

            // the producer Job, completions in a row, while the job runs
            Manifest producerJob = only(objects, "Job");
            List<String> producerExtra = strings(local.get("producer"));
            produced =
                    CompletableFuture.supplyAsync(
                            () -> runJob(procs, image, mapper, producerJob, producerExtra));

            String jid = await("the job runs on tm-a", () -> runningOn(Set.of("tm-a")));
            step("job " + jid + " running, both trainer subtasks on tm-a");
            Map<String, Integer> versions = awaitVersions("versions appear", "tm-a", 0, Map.of());
            checkTheClustersConfigurationWins(jid, conf, programArgs);

            // (a) freeze the TaskManager that trains until the JobManager declares it lost; it is
            // the only one, so the job restarts on it once it is resumed
            Proc a = taskManagers.get("tm-a");
            long offset = Files.size(a.log());
            Processes.signal(a, "STOP");
            step("fault (a): tm-a frozen (SIGSTOP)");
            await("the JobManager fails the job's tasks on tm-a", () -> failures(jid, 1));
            Processes.signal(a, "CONT");
            step("the JobManager failed the trainer on tm-a; tm-a resumed (SIGCONT)");
            await(
                    "the job restarts on tm-a",
                    () -> runningOn(Set.of("tm-a")).filter(x -> failures(jid, 1).isPresent()));
            JsonNode restoredA = awaitRestore(jid, 1, false);
            versions = awaitVersions("versions after fault (a)", "tm-a", offset, versions);

            // (b) kill the TaskManager that trains; the job moves to a second one
            taskManagers.put("tm-b", startTaskManager(procs, image, entry, "tm-b", conf, pod, fd));
            await("tm-b registers", () -> freeSlots("tm-b").filter(free -> free > 0));
            killed.add("tm-a");
            Processes.kill(a);
            step("fault (b): tm-a killed (SIGKILL)");
            await(
                    "the job restarts on tm-b",
                    () -> runningOn(Set.of("tm-b")).filter(x -> failures(jid, 2).isPresent()));
            JsonNode restoredB = awaitRestore(jid, 2, false);
            versions = awaitVersions("versions after fault (b)", "tm-b", 0, versions);
            assertThat(restoredA.path("id").asLong())
                    .as("fault (b) restored a later checkpoint than fault (a)")
                    .isLessThan(restoredB.path("id").asLong());

            // an upgrade (upgradeMode: savepoint): stop with a savepoint, a new JobManager
            // restores it; the job runs in a new user-code class loader on tm-b
            String savepoint = stopWithSavepoint(jid, conf);
            step("stopped with savepoint " + savepoint + ": job FINISHED after faults (a) and (b)");
            jobManager.process().destroy();
            jobManager.process().waitFor(30, TimeUnit.SECONDS);
            Proc b = taskManagers.get("tm-b");
            offset = Files.size(b.log());
            List<String> restore = new ArrayList<>(jobManagerMain);
            restore.addAll(List.of("--fromSavepoint", savepoint));
            jobManager =
                    startFlink(
                            procs,
                            image,
                            entry,
                            "jobmanager-2",
                            conf,
                            pod,
                            fd,
                            restore,
                            programArgs);
            String upgraded =
                    await("the upgraded job runs on tm-b", () -> runningOn(Set.of("tm-b")));
            JsonNode fromSavepoint = awaitRestore(upgraded, 1, true);
            assertThat(fromSavepoint.path("external_path").asText())
                    .as("the upgraded job restores the savepoint")
                    .isEqualTo(savepoint);
            awaitVersions("versions after the upgrade", "tm-b", offset, versions);
            dataNeeded.set(false);
            String last = stopWithSavepoint(upgraded, conf);
            step("upgraded job stopped with savepoint " + last);

            long sent =
                    await(
                            "the producer Job's last completion",
                            () ->
                                    produced.isDone() && !produced.isCompletedExceptionally()
                                            ? Optional.of(produced.join())
                                            : Optional.empty());
            checkTheTopicHoldsWhatWasSent(broker, producerJob, sent);
            checkClassLoading(image);
        }
    }

    // ---- the pieces the manifests describe ----------------------------------------------------

    /** Workloads other than Jobs and the FlinkDeployment would need support here first. */
    private static void refuseWhatThisCheckCannotRun(List<Manifest> objects) {
        for (Manifest m : objects) {
            if (Set.of("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "CronJob")
                    .contains(m.kind())) {
                throw new AssertionError(
                        m
                                + " runs containers this check does not start: run them in"
                                + " FirstDeployITCase too");
            }
        }
    }

    /** A folder per volume mount of {@code pod}; returns ConfigMap mounts: path → ConfigMap. */
    private static Map<String, Manifest> mountVolumes(
            ImageRoot image, Map<String, Object> pod, List<Manifest> all) throws IOException {
        Map<String, Map<String, Object>> volumes = new LinkedHashMap<>();
        for (Object v : list(pod.getOrDefault("volumes", List.of()))) {
            volumes.put(String.valueOf(map(v).get("name")), map(v));
        }
        List<Object> containers = new ArrayList<>(list(pod.get("containers")));
        containers.addAll(list(pod.getOrDefault("initContainers", List.of())));
        Map<String, Manifest> configMaps = new LinkedHashMap<>();
        for (Object c : containers) {
            for (Object vm : list(map(c).getOrDefault("volumeMounts", List.of()))) {
                String path = String.valueOf(map(vm).get("mountPath"));
                image.mount(path);
                Map<String, Object> volume = volumes.get(String.valueOf(map(vm).get("name")));
                if (volume.get("configMap") instanceof Map<?, ?> cm) {
                    configMaps.put(path, named(all, "ConfigMap", String.valueOf(cm.get("name"))));
                }
            }
        }
        return configMaps;
    }

    /** A ConfigMap's files in its mount, with the container paths they name mapped. */
    private static void writeConfigMap(ImageRoot image, String path, Manifest configMap)
            throws IOException {
        for (Map.Entry<String, Object> e : map(configMap.object().get("data")).entrySet()) {
            Files.writeString(
                    image.path(path).resolve(e.getKey()), image.map(String.valueOf(e.getValue())));
        }
    }

    private static LocalKafkaBroker startBroker(List<Manifest> objects, Path work)
            throws IOException {
        Manifest kafka = only(objects, "Kafka");
        Map<String, String> settings = new LinkedHashMap<>();
        Object config = kafka.at("spec", "kafka", "config");
        if (config != null) {
            map(config).forEach((k, v) -> settings.put(k, String.valueOf(v)));
        }
        LocalKafkaBroker broker =
                LocalKafkaBroker.start(work.resolve("kafka"), Duration.ofSeconds(90), settings);
        for (Manifest t : all(objects, "KafkaTopic")) {
            if (!kafka.name().equals(t.labels().get("strimzi.io/cluster"))) {
                continue;
            }
            Object topicName = t.at("spec", "topicName");
            Map<String, String> topicConfig = new LinkedHashMap<>();
            Object tc = t.at("spec", "config");
            if (tc != null) {
                map(tc).forEach((k, v) -> topicConfig.put(k, String.valueOf(v)));
            }
            broker.createTopic(
                    topicName == null ? t.name() : String.valueOf(topicName),
                    ((Number) t.at("spec", "partitions")).intValue(),
                    topicConfig);
        }
        return broker;
    }

    /** Strimzi's bootstrap service: {@code <cluster>-kafka-bootstrap}. */
    private static String bootstrapOf(Manifest kafka) {
        return kafka.name() + "-kafka-bootstrap";
    }

    /**
     * The FlinkDeployment's flinkConfiguration, plus what the Flink Kubernetes Operator derives
     * from the spec (its FlinkConfigBuilder: parallelism, memory, the cluster kept after the job
     * ends, cancel off, the job name), less what needs Kubernetes (kubernetes.*, Kubernetes HA),
     * plus the local settings of local.yaml.
     */
    private static Map<String, String> clusterConfiguration(
            Manifest fd,
            Map<String, Object> flinkConfiguration,
            Mapper mapper,
            Map<String, Object> local) {
        Map<String, String> conf = new TreeMap<>();
        List<String> left = new ArrayList<>();
        flinkConfiguration.forEach(
                (k, v) -> {
                    if (k.startsWith("kubernetes.") || k.startsWith("high-availability")) {
                        left.add(k);
                    } else {
                        conf.put(k, mapper.map(String.valueOf(v)));
                    }
                });
        conf.put("parallelism.default", String.valueOf(fd.at("spec", "job", "parallelism")));
        conf.put("execution.shutdown-on-application-finish", "false");
        conf.putIfAbsent("web.cancel.enable", "false");
        conf.putIfAbsent("pipeline.name", fd.name());
        conf.putIfAbsent(
                "execution.checkpointing.externalized-checkpoint-retention",
                "RETAIN_ON_CANCELLATION");
        conf.put(
                "jobmanager.memory.process.size",
                String.valueOf(fd.at("spec", "jobManager", "resource", "memory")));
        conf.put(
                "taskmanager.memory.process.size",
                String.valueOf(fd.at("spec", "taskManager", "resource", "memory")));
        for (String k :
                List.of(
                        "jobmanager.rpc.address",
                        "jobmanager.bind-host",
                        "taskmanager.host",
                        "taskmanager.bind-host",
                        "rest.address",
                        "rest.bind-address")) {
            conf.put(k, "localhost");
        }
        local.forEach((k, v) -> conf.put(k, String.valueOf(v).trim()));
        System.out.println("FirstDeployITCase: not applied here (Kubernetes only): " + left);
        return conf;
    }

    private static void writeConfig(Path file, Map<String, String> conf) throws IOException {
        StringBuilder yaml = new StringBuilder("# written by FirstDeployITCase\n");
        for (Map.Entry<String, String> e : conf.entrySet()) {
            yaml.append(e.getKey()).append(": ").append(JSON.writeValueAsString(e.getValue()));
            yaml.append('\n');
        }
        Files.writeString(file, yaml);
    }

    private Proc startTaskManager(
            Processes procs,
            ImageRoot image,
            String entry,
            String id,
            Map<String, String> conf,
            Map<String, Object> pod,
            Manifest fd)
            throws IOException {
        return startFlink(
                procs,
                image,
                entry,
                id,
                conf,
                pod,
                fd,
                List.of(
                        "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                        "--configDir",
                        image.path("/opt/flink/conf").toString(),
                        "-D",
                        "taskmanager.resource-id=" + id),
                List.of());
    }

    /**
     * A JobManager or TaskManager as a pod of the FlinkDeployment starts: the pod's init
     * containers, then its container's entrypoint ({@code kubernetes.entry.path}) with the pod's
     * environment, which runs what Flink's scripts would run (here: the java command line built as
     * they build it, from the cluster's configuration).
     */
    private Proc startFlink(
            Processes procs,
            ImageRoot image,
            String entry,
            String name,
            Map<String, String> conf,
            Map<String, Object> pod,
            Manifest fd,
            List<String> mainAndOptions,
            List<String> programArgs)
            throws IOException {
        boolean tm = !name.equals("jobmanager");
        Configuration c = Configuration.fromMap(conf);
        List<String> java = new ArrayList<>(List.of("java"));
        String role = tm ? "taskmanager" : "jobmanager";
        for (String key :
                List.of(
                        "env.java.default-opts.all",
                        "env.java.opts.all",
                        "env.java.default-opts." + role,
                        "env.java.opts." + role)) {
            java.addAll(words(conf.getOrDefault(key, "")));
        }
        List<String> dynamic = new ArrayList<>();
        if (tm) {
            TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(c);
            java.addAll(words(ProcessMemoryUtils.generateJvmParametersStr(spec)));
            dynamic.addAll(words(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
            // which class loader loads what: checked at the end (checkClassLoading)
            java.add("-Xlog:class+load=info:file=" + logs.resolve(name + "-classes.log"));
        } else {
            JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(c);
            java.addAll(words(JobManagerProcessUtils.generateJvmParametersStr(spec, c)));
            dynamic.addAll(words(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
        }
        java.addAll(
                List.of(
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                        "-Dorg.slf4j.simpleLogger.showDateTime=true",
                        "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                        "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn",
                        "-cp",
                        image.flinkClassPath()));
        java.addAll(mainAndOptions);
        java.addAll(dynamic);
        // every pod has its own address; here each process takes its own port for Flink's reporter
        java.addAll(List.of("-D", "metrics.reporter.prom.port=" + freePort()));
        java.addAll(programArgs);

        Path launch = logs.resolve(name + "-flink.sh");
        image.writeScript(
                launch,
                "#!/usr/bin/env bash\n"
                        + "# stand-in for Flink's /docker-entrypoint.sh (FirstDeployITCase): what"
                        + " Flink's scripts would start\n"
                        + "export FLINK_HOME="
                        + quote(image.path("/opt/flink").toString())
                        + " FLINK_LIB_DIR="
                        + quote(image.path("/opt/flink/lib").toString())
                        + " FLINK_PLUGINS_DIR="
                        + quote(image.path("/opt/flink/plugins").toString())
                        + " FLINK_CONF_DIR="
                        + quote(image.path("/opt/flink/conf").toString())
                        + "\nexec "
                        + java.stream()
                                .map(FirstDeployITCase::quote)
                                .collect(Collectors.joining(" "))
                        + "\n");
        Map<String, Object> container = container(pod, "flink-main-container");
        Map<String, String> env = imageEnvironment();
        env.putAll(environment(container, fd, tm ? "taskManager" : "jobManager", image));
        if (entry.equals(image.path(ImageRoot.ENTRYPOINT).toString())) {
            env.put("PRUNESTREAM_FLINK_ENTRYPOINT", launch.toString());
        } else {
            entry = launch.toString(); // no entrypoint of the image's: Flink's own
        }
        runInitContainers(procs, image, name, pod, fd);
        List<String> command =
                List.of(
                        "bash",
                        entry,
                        "bash",
                        "-c",
                        tm
                                ? "kubernetes-taskmanager.sh"
                                : "kubernetes-jobmanager.sh kubernetes-application");
        Proc p = procs.start(name, command, env, image.path("/opt/flink"));
        step(name + " started (pid " + p.pid() + ")");
        return p;
    }

    /** The Dockerfile's ENV for the cpu variant (the image's environment under the pod's). */
    private static Map<String, String> imageEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("OMP_WAIT_POLICY", "PASSIVE");
        env.put("NVIDIA_DRIVER_CAPABILITIES", "compute,utility");
        env.put("PRUNESTREAM_BACKEND_JAVA_OPTS", "");
        return env;
    }

    /** A container's env as Kubernetes resolves it for this pod; optional secrets left out. */
    private static Map<String, String> environment(
            Map<String, Object> container, Manifest owner, String flinkRole, ImageRoot image) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Object e : list(container.getOrDefault("env", List.of()))) {
            Map<String, Object> var = map(e);
            String name = String.valueOf(var.get("name"));
            if (var.containsKey("value")) {
                env.put(name, image.map(String.valueOf(var.get("value"))));
                continue;
            }
            Map<String, Object> from = map(var.get("valueFrom"));
            if (from.get("secretKeyRef") instanceof Map<?, ?> ref
                    && Boolean.TRUE.equals(ref.get("optional"))) {
                continue; // no such Secret here, as without the component that makes it
            }
            if (from.get("resourceFieldRef") instanceof Map<?, ?> ref
                    && "limits.cpu".equals(ref.get("resource"))
                    && flinkRole != null) {
                // Flink sets the container's CPU limit to the spec's cpu (limit factor 1.0)
                double cpu =
                        ((Number) owner.at("spec", flinkRole, "resource", "cpu")).doubleValue();
                double divisor = "1m".equals(String.valueOf(ref.get("divisor"))) ? 0.001 : 1;
                env.put(name, Long.toString((long) Math.ceil(cpu / divisor)));
                continue;
            }
            throw new AssertionError(
                    "env " + name + " of " + owner + ": " + from + " cannot be resolved here");
        }
        return env;
    }

    private void runInitContainers(
            Processes procs,
            ImageRoot image,
            String podName,
            Map<String, Object> pod,
            Manifest owner)
            throws IOException {
        int i = 0;
        for (Object c : list(pod.getOrDefault("initContainers", List.of()))) {
            runContainer(
                    procs, image, null, podName + "-init-" + i++, map(c), owner, List.of(), true);
        }
    }

    /**
     * A Job's pods one after another: its {@code completions}, then more runs of the same pod while
     * the check still needs data (a stream keeps coming; the faults and the upgrade take the time
     * they take). Returns the records they sent.
     */
    private long runJob(
            Processes procs, ImageRoot image, Mapper mapper, Manifest job, List<String> extra) {
        try {
            Map<String, Object> pod = map(job.at("spec", "template", "spec"));
            Object completions = job.at("spec", "completions");
            int n = completions == null ? 1 : ((Number) completions).intValue();
            long sent = 0;
            int runs = 0;
            for (; runs < n || dataNeeded.get(); runs++) {
                String name = job.name() + "-" + runs;
                runInitContainers(procs, image, name, pod, job);
                for (Object c : list(pod.get("containers"))) {
                    String out =
                            runContainer(procs, image, mapper, name, map(c), job, extra, false);
                    Matcher m = Pattern.compile("sent (\\d+) records").matcher(out);
                    if (m.find()) {
                        sent += Long.parseLong(m.group(1));
                    }
                }
            }
            step(
                    job
                            + ": its "
                            + n
                            + " completions and "
                            + (runs - n)
                            + " more runs, "
                            + sent
                            + " records sent");
            return sent;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs one container of the prunestream image to its end: its command and args (paths and
     * Kafka's address mapped) and environment; it must exit 0.
     */
    private String runContainer(
            Processes procs,
            ImageRoot image,
            Mapper mapper,
            String name,
            Map<String, Object> container,
            Manifest owner,
            List<String> extra,
            boolean init)
            throws IOException {
        String what =
                (init ? "init container " : "container ") + container.get("name") + " of " + owner;
        assertThat(String.valueOf(container.get("image")))
                .as(what + " runs an image this check cannot run")
                .startsWith("prunestream:");
        Mapper m = mapper != null ? mapper : new Mapper(image, null, null);
        List<String> command = new ArrayList<>(m.all(strings(container.get("command"))));
        command.addAll(m.all(strings(container.getOrDefault("args", List.of()))));
        command.addAll(extra);
        Map<String, String> env = imageEnvironment();
        env.putAll(environment(container, owner, null, image));
        Proc p = procs.start(name, command, env, image.path("/opt/flink"));
        try {
            if (!p.process().waitFor(STEP.toSeconds(), TimeUnit.SECONDS)) {
                throw new AssertionError(what + " did not end within " + STEP + "\n" + p.tail(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(what + ": interrupted", e);
        }
        int exit = p.process().exitValue();
        String out = Files.readString(p.log());
        if (exit != 0) {
            throw new AssertionError(
                    what + " exited with status " + exit + ": " + command + "\n" + p.tail(30));
        }
        return out;
    }

    // ---- checks --------------------------------------------------------------------------------

    /**
     * The job's effective configuration, from the REST API: the cluster's checkpoint storage,
     * restart strategy and state backend where the cluster sets them; the job's own defaults where
     * it does not (interval from prune.checkpoint.interval, timeout, tolerated failures).
     */
    private void checkTheClustersConfigurationWins(
            String jid, Map<String, String> conf, List<String> programArgs) {
        JsonNode completed =
                rest.need("/jobs/" + jid + "/checkpoints").path("latest").path("completed");
        String clusterDir = conf.get("execution.checkpointing.dir");
        assertThat(completed.path("external_path").asText())
                .as(
                        "where the job's checkpoints go: the cluster's execution.checkpointing.dir %s"
                                + " (the job's own default is under output.dir)",
                        clusterDir)
                .startsWith(clusterDir.replace("file://", "file:"));
        String restart =
                rest.need("/jobs/" + jid + "/config")
                        .path("execution-config")
                        .path("restart-strategy")
                        .asText();
        assertThat(restart)
                .as(
                        "the job's restart strategy: the cluster's restart-strategy.type %s",
                        conf.get("restart-strategy.type"))
                .startsWith("Restart with exponential delay");
        JsonNode cc = rest.need("/jobs/" + jid + "/checkpoints/config");
        assertThat(cc.path("state_backend").asText())
                .as("state backend: the cluster's state.backend.type")
                .isEqualTo(
                        conf.get("state.backend.type").equals("hashmap")
                                ? "HashMapStateBackend"
                                : conf.get("state.backend.type"));
        assertThat(cc.path("externalization").path("delete_on_cancellation").asBoolean())
                .as("retained on cancellation (the cluster's retention)")
                .isFalse();
        Duration interval =
                TimeUtils.parseDuration(argument(programArgs, "--prune.checkpoint.interval"));
        assertThat(cc.path("interval").asLong())
                .as(
                        "checkpoint interval: the job's prune.checkpoint.interval (the cluster sets none)")
                .isEqualTo(interval.toMillis());
        assertThat(cc.path("timeout").asLong())
                .as("checkpoint timeout: the job's default (the cluster sets none)")
                .isEqualTo(JobConfig.CHECKPOINT_TIMEOUT.toMillis());
        assertThat(cc.path("tolerable_failed_checkpoints").asInt())
                .as("tolerated failed checkpoints: the job's default (the cluster sets none)")
                .isEqualTo(JobConfig.TOLERABLE_FAILED_CHECKPOINTS);
        step(
                "effective configuration: checkpoints in "
                        + clusterDir
                        + ", "
                        + restart.substring(0, restart.indexOf(':'))
                        + ", "
                        + cc.path("state_backend").asText()
                        + " (the cluster's); interval "
                        + cc.path("interval").asLong()
                        + " ms, timeout "
                        + cc.path("timeout").asLong()
                        + " ms, "
                        + cc.path("tolerable_failed_checkpoints").asInt()
                        + " tolerated failures (the job's)");
    }

    private void checkTheTopicHoldsWhatWasSent(
            LocalKafkaBroker broker, Manifest producerJob, long sent) throws Exception {
        List<String> args =
                strings(
                        container(map(producerJob.at("spec", "template", "spec")), "producer")
                                .get("args"));
        String topic = argument(args, "--topic");
        int partitions =
                broker.admin()
                        .describeTopics(List.of(topic))
                        .allTopicNames()
                        .get()
                        .get(topic)
                        .partitions()
                        .size();
        Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
        for (int i = 0; i < partitions; i++) {
            latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        long records =
                broker.admin().listOffsets(latest).all().get().values().stream()
                        .mapToLong(r -> r.offset())
                        .sum();
        assertThat(sent).as("records the producer Job reports sending").isPositive();
        assertThat(records).as("records in " + topic).isEqualTo(sent);
        step("the producer Job sent " + sent + " records; " + topic + " holds " + records);
    }

    /**
     * From the TaskManagers' class-loading logs: each JVM loaded ND4J once, from Flink's lib/; tm-b
     * ran the trainer in two user-code class loaders (the job, then the upgraded job), the second
     * in a JVM where ND4J's natives were loaded already.
     */
    private void checkClassLoading(ImageRoot image) throws IOException {
        String lib = image.path("/opt/flink/lib").toString();
        for (String tm : taskManagers.keySet()) {
            List<String> nd4j = loads(tm, ND4J_CLASS);
            assertThat(nd4j).as(tm + " loads " + ND4J_CLASS + " once").hasSize(1);
            assertThat(nd4j.get(0))
                    .as(tm + ": ND4J from Flink's lib/")
                    .contains("source: file:" + lib + "/nd4j-api");
            step(
                    tm
                            + ": ND4J loaded once, from lib/; the trainer in "
                            + loads(tm, TRAINER_CLASS).size()
                            + " user-code class loader(s)");
        }
        assertThat(loads("tm-b", TRAINER_CLASS))
                .as("tm-b ran the trainer in two user-code class loaders (job, upgraded job)")
                .hasSize(2);
    }

    private List<String> loads(String tm, String cls) throws IOException {
        try (Stream<String> lines = Files.lines(logs.resolve(tm + "-classes.log"))) {
            return lines.filter(l -> l.contains(" " + cls + " source: ")).toList();
        }
    }

    // ---- waiting on the cluster ---------------------------------------------------------------

    /** The job's id once its trainer subtasks all run on {@code tms} (and nowhere else). */
    private Optional<String> runningOn(Set<String> tms) {
        Optional<JsonNode> jobs = rest.get("/jobs/overview");
        if (jobs.isEmpty() || jobs.get().path("jobs").isEmpty()) {
            return Optional.empty();
        }
        JsonNode job = jobs.get().path("jobs").get(0);
        if (!job.path("state").asText().equals("RUNNING")) {
            return Optional.empty();
        }
        String jid = job.path("jid").asText();
        Map<String, String> placement = trainerPlacement(jid);
        boolean ok =
                !placement.isEmpty()
                        && placement.values().stream().allMatch(s -> s.startsWith("RUNNING@"))
                        && tms.equals(
                                placement.values().stream()
                                        .map(s -> s.substring(s.indexOf('@') + 1))
                                        .collect(Collectors.toSet()));
        return ok ? Optional.of(jid) : Optional.empty();
    }

    /** Trainer subtask → "STATUS@taskmanager". */
    private Map<String, String> trainerPlacement(String jid) {
        Map<String, String> out = new TreeMap<>();
        Optional<JsonNode> details = rest.get("/jobs/" + jid);
        if (details.isEmpty()) {
            return out;
        }
        for (JsonNode v : details.get().path("vertices")) {
            if (v.path("name").asText().contains("trainer")) {
                rest.get("/jobs/" + jid + "/vertices/" + v.path("id").asText())
                        .ifPresent(
                                n -> {
                                    for (JsonNode s : n.path("subtasks")) {
                                        out.put(
                                                s.path("subtask").asText(),
                                                s.path("status").asText()
                                                        + "@"
                                                        + s.path("taskmanager-id").asText());
                                    }
                                });
            }
        }
        return out;
    }

    private Optional<Integer> freeSlots(String tm) {
        return rest.get("/taskmanagers")
                .flatMap(
                        n -> {
                            for (JsonNode t : n.path("taskmanagers")) {
                                if (t.path("id").asText().equals(tm)) {
                                    return Optional.of(t.path("freeSlots").asInt());
                                }
                            }
                            return Optional.empty();
                        });
    }

    /** The checkpoint (or savepoint) the job restored at its {@code n}-th restore. */
    private JsonNode awaitRestore(String jid, int n, boolean savepoint) {
        String kind = savepoint ? "savepoint" : "checkpoint";
        JsonNode restored =
                await(
                        "the job restores a " + kind + " (restore " + n + ")",
                        () ->
                                rest.get("/jobs/" + jid + "/checkpoints")
                                        .filter(c -> c.path("counts").path("restored").asInt() >= n)
                                        .map(c -> c.path("latest").path("restored")));
        assertThat(restored.path("is_savepoint").asBoolean())
                .as("restored from a " + kind)
                .isEqualTo(savepoint);
        step(
                "restore "
                        + n
                        + " of job "
                        + jid
                        + ": "
                        + kind
                        + " "
                        + restored.path("id").asLong()
                        + " ("
                        + restored.path("external_path").asText()
                        + ")");
        return restored;
    }

    /**
     * Waits until {@code tm} prints a version of every run (its log after {@code offset}: the
     * trainer publishes there) and every run has a committed version newer than in {@code before},
     * all of the run's first incarnation (restored state, not a fresh start); returns the newest
     * committed version per run.
     */
    private Map<String, Integer> awaitVersions(
            String what, String tm, long offset, Map<String, Integer> before) {
        Path log = taskManagers.get(tm).log();
        Map<String, Integer> now =
                await(
                        what,
                        () -> {
                            String printed = readFrom(log, offset);
                            Map<String, Integer> v = committedVersions();
                            boolean all =
                                    runs.stream()
                                            .allMatch(
                                                    r ->
                                                            printed.contains(
                                                                            "run "
                                                                                    + r
                                                                                    + " published")
                                                                    && v.getOrDefault(r, 0)
                                                                            > before.getOrDefault(
                                                                                    r, 0));
                            return all ? Optional.of(v) : Optional.empty();
                        });
        List<String> starts =
                readFrom(log, offset).lines().filter(l -> l.contains("trainer backend: ")).toList();
        assertThat(starts).as(tm + ": the trainer's backend line at its start").isNotEmpty();
        assertThat(starts)
                .as(tm + ": DL4J's layers use oneDNN (the Nd4jCpu bridge next to ND4J)")
                .allMatch(l -> l.contains("oneDNN on"));
        for (String run : runs) {
            Set<String> incarnations = new java.util.TreeSet<>();
            for (Path report : reports(run)) {
                incarnations.add(readJson(report).path("incarnation").asText());
            }
            assertThat(incarnations).as(run + ": one incarnation across the faults").hasSize(1);
        }
        step(what + ": published on " + tm + ", committed " + now);
        return now;
    }

    private static String readFrom(Path log, long offset) {
        try {
            byte[] all = Files.readAllBytes(log);
            return new String(
                    all,
                    (int) Math.min(offset, all.length),
                    (int) Math.max(0, all.length - offset),
                    java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** The job's id once its exception history holds {@code n} failures. */
    private Optional<String> failures(String jid, int n) {
        return rest.get("/jobs/" + jid + "/exceptions")
                .filter(e -> e.path("exceptionHistory").path("entries").size() >= n)
                .map(e -> jid);
    }

    /** Run → the newest committed version number (folders vNNNN under output.dir). */
    private Map<String, Integer> committedVersions() {
        Map<String, Integer> out = new TreeMap<>();
        if (!Files.isDirectory(models)) {
            return out;
        }
        try (Stream<Path> runs = Files.list(models)) {
            for (Path run : runs.filter(Files::isDirectory).toList()) {
                int newest = 0;
                for (Path r : reports(run.getFileName().toString())) {
                    newest =
                            Math.max(
                                    newest,
                                    Integer.parseInt(
                                            r.getParent().getFileName().toString().substring(1)));
                }
                if (newest > 0) {
                    out.put(run.getFileName().toString(), newest);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private List<Path> reports(String run) {
        try (Stream<Path> vs = Files.list(models.resolve(run))) {
            return vs.filter(p -> p.getFileName().toString().matches("v\\d+"))
                    .map(p -> p.resolve("report.json"))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Stops the job with a savepoint into the cluster's savepoint directory; its location. */
    private String stopWithSavepoint(String jid, Map<String, String> conf) {
        for (int attempt = 1; ; attempt++) {
            String trigger =
                    rest.post("/jobs/" + jid + "/stop", "{\"drain\": false}")
                            .path("request-id")
                            .asText();
            JsonNode done =
                    await(
                            "stop with a savepoint",
                            () ->
                                    rest.get("/jobs/" + jid + "/savepoints/" + trigger)
                                            .filter(
                                                    n ->
                                                            n.path("status")
                                                                    .path("id")
                                                                    .asText()
                                                                    .equals("COMPLETED")));
            JsonNode failure = done.path("operation").path("failure-cause");
            if (failure.isMissingNode()) {
                String location = done.path("operation").path("location").asText();
                String dir = conf.get("execution.checkpointing.savepoint-dir");
                assertThat(location)
                        .as(
                                "where the savepoint goes: the cluster's"
                                        + " execution.checkpointing.savepoint-dir %s (the job's"
                                        + " own default is under output.dir)",
                                dir)
                        .startsWith(dir.replace("file://", "file:"));
                await(
                        "the job ends FINISHED",
                        () ->
                                rest.get("/jobs/" + jid)
                                        .filter(n -> n.path("state").asText().equals("FINISHED")));
                return location;
            }
            String cause = failure.path("stack-trace").asText().lines().findFirst().orElse("");
            // Flink refuses a savepoint while only some subtasks of the source chain (union list
            // state in the fan-out) have finished their operators; the job restarts and the
            // stop is asked again, as the operator asks again for an upgrade's savepoint
            if (attempt == 3 || !cause.contains("PartialFinishingNotSupportedByStateException")) {
                throw new AssertionError(
                        "stop with a savepoint failed (attempt " + attempt + "): " + cause);
            }
            step("stop with a savepoint failed, asked again: " + cause);
            await(
                    "the job runs again after a failed stop",
                    () ->
                            rest.get("/jobs/" + jid)
                                    .filter(n -> n.path("state").asText().equals("RUNNING"))
                                    .flatMap(
                                            n ->
                                                    trainerPlacement(jid).values().stream()
                                                                    .allMatch(
                                                                            v ->
                                                                                    v.startsWith(
                                                                                            "RUNNING@"))
                                                            ? Optional.of(n)
                                                            : Optional.empty()));
        }
    }

    /**
     * Polls {@code probe} until it answers; fails with what did not happen, the job's latest
     * failure and the logs' last lines, or as soon as the JobManager or a TaskManager that should
     * run exits.
     */
    private <T> T await(String what, Supplier<Optional<T>> probe) {
        long deadline = System.nanoTime() + STEP.toNanos();
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (produced != null && produced.isCompletedExceptionally()) {
                try {
                    produced.join();
                } catch (java.util.concurrent.CompletionException e) {
                    throw new AssertionError(what + ": " + e.getCause().getMessage(), e.getCause());
                }
            }
            for (Proc p : alive()) {
                if (!p.process().isAlive()) {
                    throw new AssertionError(
                            what
                                    + ": "
                                    + p.name()
                                    + " exited with status "
                                    + p.process().exitValue()
                                    + "\n"
                                    + p.tail(40));
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        what
                                + ": not within "
                                + STEP.toSeconds()
                                + " s"
                                + lastFailure()
                                + "\n"
                                + tails());
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(what + ": interrupted", e);
            }
        }
    }

    /** The processes that must be running now. */
    private List<Proc> alive() {
        List<Proc> out = new ArrayList<>();
        if (jobManager != null) {
            out.add(jobManager);
        }
        taskManagers.forEach(
                (name, p) -> {
                    if (!killed.contains(name)) {
                        out.add(p);
                    }
                });
        return out;
    }

    private String lastFailure() {
        if (rest == null) {
            return "";
        }
        return rest.get("/jobs/overview")
                .map(n -> n.path("jobs").path(0).path("jid").asText())
                .filter(j -> !j.isEmpty())
                .flatMap(j -> rest.get("/jobs/" + j + "/exceptions"))
                .map(n -> n.path("exceptionHistory").path("entries"))
                .filter(e -> !e.isEmpty())
                .map(e -> e.get(0)) // newest first
                .map(
                        e ->
                                "; the job's latest failure: "
                                        + e.path("exceptionName").asText()
                                        + " on "
                                        + e.path("taskManagerId").asText())
                .orElse("");
    }

    private String tails() {
        StringBuilder s = new StringBuilder();
        if (jobManager != null) {
            s.append(jobManager.tail(25)).append('\n');
        }
        for (Proc tm : taskManagers.values()) {
            s.append(tm.tail(12)).append('\n');
        }
        return s.toString();
    }

    private void step(String what) {
        System.out.printf("FirstDeployITCase [%5.1f s] %s%n", seconds(), what);
    }

    private double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    // ---- small helpers ------------------------------------------------------------------------

    /** Maps container paths into the image root and Kafka's service name to the local broker. */
    private record Mapper(ImageRoot image, String bootstrapHost, String bootstrapServers) {
        String map(String s) {
            String out = image.map(s);
            return bootstrapHost == null
                    ? out
                    : out.replaceAll(Pattern.quote(bootstrapHost) + ":\\d+", bootstrapServers);
        }

        List<String> all(List<String> values) {
            return values.stream().map(this::map).toList();
        }
    }

    /** A setting of the job.yaml in the rendered ConfigMap. */
    private static final class JobConfigPaths {
        static <T> T get(List<Manifest> objects, ConfigOption<T> option) {
            for (Manifest m : all(objects, "ConfigMap")) {
                Object yaml = map(m.object().get("data")).get("job.yaml");
                if (yaml != null) {
                    return JobConfig.fromYaml(String.valueOf(yaml)).get(option);
                }
            }
            throw new AssertionError("no ConfigMap with a job.yaml in " + OVERLAY);
        }
    }

    private static Path dir(String property) {
        String p = System.getProperty(property);
        if (p == null) {
            throw new AssertionError(
                    "system property "
                            + property
                            + " is not set: run this test with Maven (mvn verify)");
        }
        return Path.of(p);
    }

    private static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> container(Map<String, Object> pod, String name) {
        for (Object c : list(pod.get("containers"))) {
            if (name.equals(map(c).get("name"))) {
                return map(c);
            }
        }
        throw new AssertionError("no container " + name + " in " + pod.keySet());
    }

    private static String argument(List<String> args, String flag) {
        int i = args.lastIndexOf(flag);
        assertThat(i).as(flag + " in " + args).isNotNegative();
        return args.get(i + 1);
    }

    private static List<String> words(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Manifest only(List<Manifest> objects, String kind) {
        List<Manifest> found = all(objects, kind);
        assertThat(found).as("objects of kind " + kind + " in " + OVERLAY).hasSize(1);
        return found.get(0);
    }

    private static Manifest named(List<Manifest> objects, String kind, String name) {
        return all(objects, kind).stream()
                .filter(m -> m.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("no " + kind + " " + name + " in " + OVERLAY));
    }

    private static List<Manifest> all(List<Manifest> objects, String kind) {
        return objects.stream().filter(m -> m.kind().equals(kind)).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o == null ? List.of() : (List<Object>) o;
    }

    private static List<String> strings(Object o) {
        return list(o).stream().map(String::valueOf).toList();
    }
}
