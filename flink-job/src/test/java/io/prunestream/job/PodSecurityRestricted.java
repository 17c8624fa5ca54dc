package io.prunestream.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The Pod Security Standards' "restricted" profile (kubernetes.io/docs/concepts/security/
 * pod-security-standards, the policy the API server's PodSecurity admission enforces with the label
 * {@code pod-security.kubernetes.io/enforce: restricted}), checked on every pod a manifest makes:
 * the producer Job's template, the JobManager and TaskManager pods Flink builds from the
 * FlinkDeployment's pod templates (the common one merged with each role's), and the containers
 * Strimzi runs for the Kafka resource (broker, Topic and User Operator, Kafka Exporter), whose
 * security context comes from its container templates. Each error names the field, the value and
 * the control it breaks.
 *
 * <p>Controls: Baseline (host namespaces, privileged, capabilities, hostPath, host ports, AppArmor,
 * SELinux, /proc mount, seccomp not Unconfined, sysctls, Windows HostProcess) and Restricted
 * (volume types, allowPrivilegeEscalation false, runAsNonRoot, runAsUser not 0, seccomp
 * RuntimeDefault or Localhost, drop ALL and add at most NET_BIND_SERVICE).
 */
final class PodSecurityRestricted {

    /** Restricted "Volume Types": every other volume source (hostPath, nfs, ...) is refused. */
    static final Set<String> VOLUME_TYPES =
            Set.of(
                    "configMap",
                    "csi",
                    "downwardAPI",
                    "emptyDir",
                    "ephemeral",
                    "persistentVolumeClaim",
                    "projected",
                    "secret");

    /** Baseline "Sysctls": the safe set. */
    static final Set<String> SAFE_SYSCTLS =
            Set.of(
                    "kernel.shm_rmid_forced",
                    "net.ipv4.ip_local_port_range",
                    "net.ipv4.ip_unprivileged_port_start",
                    "net.ipv4.tcp_syncookies",
                    "net.ipv4.ping_group_range",
                    "net.ipv4.ip_local_reserved_ports",
                    "net.ipv4.tcp_keepalive_time",
                    "net.ipv4.tcp_fin_timeout",
                    "net.ipv4.tcp_keepalive_intvl",
                    "net.ipv4.tcp_keepalive_probes");

    /** Baseline "SELinux": the container types allowed. */
    static final Set<String> SELINUX_TYPES =
            Set.of("container_t", "container_init_t", "container_kvm_t", "container_engine_t");

    private static final Set<String> SECCOMP_TYPES = Set.of("RuntimeDefault", "Localhost");
    private static final Set<String> APPARMOR_TYPES = Set.of("RuntimeDefault", "Localhost");

    /** The container Flink builds its JobManager and TaskManager containers on. */
    private static final String CONTAINER = "flink-main-container";

    private PodSecurityRestricted() {}

    /** Errors of one object; kinds that make no pods have none. */
    static List<String> check(String kind, Map<String, Object> object) {
        List<String> e = new ArrayList<>();
        Map<String, Object> spec = map(object.get("spec"));
        switch (kind) {
            case "Job", "CronJob", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet" -> {
                Map<String, Object> template = map(spec.get("template"));
                pod("spec.template.spec", map(template.get("spec")), e);
            }
            case "Pod" -> pod("spec", spec, e);
            case "FlinkDeployment" -> {
                for (String role : List.of("jobManager", "taskManager")) {
                    Map<String, Object> merged =
                            mergePodSpecs(
                                    map(map(spec.get("podTemplate")).get("spec")),
                                    map(map(map(spec.get(role)).get("podTemplate")).get("spec")));
                    String path = "spec.podTemplate + spec." + role + ".podTemplate: spec";
                    if (maps(merged.get("containers")).stream()
                            .noneMatch(c -> CONTAINER.equals(c.get("name")))) {
                        e.add(
                                path
                                        + ".containers has no "
                                        + CONTAINER
                                        + ": Flink's container would get no securityContext");
                    }
                    pod(path, merged, e);
                }
            }
            case "Kafka" -> {
                Map<String, Object> kafka = map(spec.get("kafka"));
                strimziContainer(
                        "spec.kafka.template", map(kafka.get("template")), "kafkaContainer", e);
                Map<String, Object> eo = map(spec.get("entityOperator"));
                Map<String, Object> eoTemplate = map(eo.get("template"));
                if (eo.get("topicOperator") != null) {
                    strimziContainer(
                            "spec.entityOperator.template",
                            eoTemplate,
                            "topicOperatorContainer",
                            e);
                }
                if (eo.get("userOperator") != null) {
                    strimziContainer(
                            "spec.entityOperator.template", eoTemplate, "userOperatorContainer", e);
                }
                if (spec.get("kafkaExporter") != null) {
                    strimziContainer(
                            "spec.kafkaExporter.template",
                            map(map(spec.get("kafkaExporter")).get("template")),
                            "container",
                            e);
                }
                if (spec.get("cruiseControl") != null) {
                    strimziContainer(
                            "spec.cruiseControl.template",
                            map(map(spec.get("cruiseControl")).get("template")),
                            "cruiseControlContainer",
                            e);
                }
            }
            case "KafkaNodePool" -> {
                // a node pool's template replaces the Kafka resource's for its pods
                Map<String, Object> template = map(spec.get("template"));
                if (template.get("kafkaContainer") != null) {
                    strimziContainer("spec.template", template, "kafkaContainer", e);
                }
            }
            default -> {}
        }
        return e;
    }

    // ---- a pod --------------------------------------------------------------------------------

    private static void pod(String path, Map<String, Object> spec, List<String> e) {
        for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
            if (Boolean.TRUE.equals(spec.get(host))) {
                e.add(path + "." + host + " is true: Host Namespaces (baseline) forbid it");
            }
        }
        Map<String, Object> podSc = map(spec.get("securityContext"));
        String sc = path + ".securityContext";
        securityOptions(sc, podSc, e);
        for (Map<String, Object> sysctl : maps(podSc.get("sysctls"))) {
            if (!SAFE_SYSCTLS.contains(String.valueOf(sysctl.get("name")))) {
                e.add(
                        sc
                                + ".sysctls "
                                + sysctl.get("name")
                                + ": Sysctls (baseline) allow only "
                                + SAFE_SYSCTLS);
            }
        }
        for (Map<String, Object> v : maps(spec.get("volumes"))) {
            for (String source : v.keySet()) {
                if (!source.equals("name") && !VOLUME_TYPES.contains(source)) {
                    e.add(
                            path
                                    + ".volumes[name="
                                    + v.get("name")
                                    + "]."
                                    + source
                                    + ": Volume Types (restricted) allow only "
                                    + VOLUME_TYPES);
                }
            }
        }
        boolean any = false;
        for (String list : List.of("initContainers", "containers", "ephemeralContainers")) {
            List<Map<String, Object>> containers = maps(spec.get(list));
            for (Map<String, Object> c : containers) {
                any = true;
                String p = path + "." + list + "[name=" + c.get("name") + "]";
                for (Map<String, Object> port : maps(c.get("ports"))) {
                    Object hostPort = port.get("hostPort");
                    if (hostPort != null && !Objects.equals(hostPort, 0)) {
                        e.add(
                                p
                                        + ".ports[name="
                                        + port.get("name")
                                        + "].hostPort is "
                                        + hostPort
                                        + ": Host Ports (baseline) forbid it");
                    }
                }
                container(p + ".securityContext", map(c.get("securityContext")), podSc, e);
            }
        }
        if (!any) {
            e.add(path + " has no containers to check");
        }
    }

    /** A Strimzi container template: its securityContext is the container's whole context. */
    private static void strimziContainer(
            String path, Map<String, Object> template, String container, List<String> e) {
        Map<String, Object> c = map(template.get(container));
        Map<String, Object> pod = map(map(template.get("pod")).get("securityContext"));
        container(
                path + "." + container + ".securityContext", map(c.get("securityContext")), pod, e);
    }

    // ---- a container --------------------------------------------------------------------------

    private static void container(
            String sc, Map<String, Object> c, Map<String, Object> pod, List<String> e) {
        securityOptions(sc, c, e);
        if (Boolean.TRUE.equals(c.get("privileged"))) {
            e.add(sc + ".privileged is true: Privileged Containers (baseline) forbid it");
        }
        if (!Boolean.FALSE.equals(c.get("allowPrivilegeEscalation"))) {
            e.add(
                    sc
                            + ".allowPrivilegeEscalation is "
                            + c.get("allowPrivilegeEscalation")
                            + ": Privilege Escalation (restricted) needs false");
        }
        Object procMount = c.get("procMount");
        if (procMount != null && !procMount.equals("Default")) {
            e.add(
                    sc
                            + ".procMount is "
                            + procMount
                            + ": /proc Mount Type (baseline) needs Default");
        }
        // runAsNonRoot: the container's, else the pod's; false anywhere is refused
        Object nonRoot =
                c.containsKey("runAsNonRoot") ? c.get("runAsNonRoot") : pod.get("runAsNonRoot");
        if (!Boolean.TRUE.equals(nonRoot) || Boolean.FALSE.equals(pod.get("runAsNonRoot"))) {
            e.add(
                    sc
                            + ".runAsNonRoot is "
                            + nonRoot
                            + " (pod: "
                            + pod.get("runAsNonRoot")
                            + "): Running as Non-root (restricted) needs true on the container or"
                            + " the pod");
        }
        for (Map<String, Object> ctx : List.of(pod, c)) {
            if (Objects.equals(ctx.get("runAsUser"), 0)) {
                e.add(sc + ".runAsUser is 0: Running as Non-root user (restricted) forbids it");
            }
        }
        Object seccomp =
                c.get("seccompProfile") != null
                        ? map(c.get("seccompProfile")).get("type")
                        : map(pod.get("seccompProfile")).get("type");
        if (!SECCOMP_TYPES.contains(String.valueOf(seccomp))) {
            e.add(
                    sc
                            + ".seccompProfile.type is "
                            + seccomp
                            + " (with the pod's): Seccomp (restricted) needs RuntimeDefault or"
                            + " Localhost");
        }
        Map<String, Object> caps = map(c.get("capabilities"));
        List<Object> drop = list(caps.get("drop"));
        if (!drop.contains("ALL")) {
            e.add(sc + ".capabilities.drop is " + drop + ": Capabilities (restricted) need ALL");
        }
        for (Object add : list(caps.get("add"))) {
            if (!"NET_BIND_SERVICE".equals(add)) {
                e.add(
                        sc
                                + ".capabilities.add has "
                                + add
                                + ": Capabilities (restricted) allow only NET_BIND_SERVICE");
            }
        }
    }

    /** Controls that apply alike to a pod's and a container's security context. */
    private static void securityOptions(String sc, Map<String, Object> ctx, List<String> e) {
        Map<String, Object> seccomp = map(ctx.get("seccompProfile"));
        if ("Unconfined".equals(seccomp.get("type"))) {
            e.add(sc + ".seccompProfile.type is Unconfined: Seccomp (baseline) forbids it");
        }
        Object appArmor = map(ctx.get("appArmorProfile")).get("type");
        if (appArmor != null && !APPARMOR_TYPES.contains(appArmor)) {
            e.add(
                    sc
                            + ".appArmorProfile.type is "
                            + appArmor
                            + ": AppArmor (baseline) allows RuntimeDefault or Localhost");
        }
        Map<String, Object> selinux = map(ctx.get("seLinuxOptions"));
        Object type = selinux.get("type");
        if (type != null && !SELINUX_TYPES.contains(type)) {
            e.add(
                    sc
                            + ".seLinuxOptions.type is "
                            + type
                            + ": SELinux (baseline) allows "
                            + SELINUX_TYPES);
        }
        for (String field : List.of("user", "role")) {
            if (selinux.get(field) != null) {
                e.add(sc + ".seLinuxOptions." + field + " is set: SELinux (baseline) forbids it");
            }
        }
        if (Boolean.TRUE.equals(map(ctx.get("windowsOptions")).get("hostProcess"))) {
            e.add(sc + ".windowsOptions.hostProcess is true: HostProcess (baseline) forbids it");
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /**
     * Flink's merge of the common pod template with a role's: maps merge, the role's values win,
     * containers (and volumes) merge by name.
     */
    static Map<String, Object> mergePodSpecs(Map<String, Object> common, Map<String, Object> role) {
        return map(merge(common, role));
    }

    private static Object merge(Object base, Object over) {
        if (base instanceof Map<?, ?> b && over instanceof Map<?, ?> o) {
            Map<String, Object> out = new LinkedHashMap<>(map(b));
            map(o).forEach((k, v) -> out.put(k, merge(out.get(k), v)));
            return out;
        }
        if (base instanceof List<?> b && over instanceof List<?> o && named(b) && named(o)) {
            List<Object> out = new ArrayList<>(b);
            for (Object item : o) {
                Object name = map(item).get("name");
                int i = 0;
                while (i < out.size() && !Objects.equals(map(out.get(i)).get("name"), name)) {
                    i++;
                }
                if (i < out.size()) {
                    out.set(i, merge(out.get(i), item));
                } else {
                    out.add(item);
                }
            }
            return out;
        }
        return over == null ? base : over;
    }

    private static boolean named(List<?> items) {
        return items.stream().allMatch(i -> i instanceof Map<?, ?> m && m.get("name") != null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : List.of();
    }

    private static List<Map<String, Object>> maps(Object o) {
        return list(o).stream().map(PodSecurityRestricted::map).toList();
    }
}
