package io.prunestream.job;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the Kubernetes API server (and the operators that turn custom resources into pods) check on
 * top of the OpenAPI schemas: name formats (DNS-1123 label and subdomain, DNS-1035 label,
 * IANA_SVC_NAME for port names), label keys and values, environment variable names, resource
 * quantities and their request/limit relations, and that volume mounts name a volume of the pod.
 * Schemas cannot express these, so a manifest can validate and still be rejected by a cluster.
 *
 * <p>The rules are those of {@code k8s.io/apimachinery/pkg/util/validation} and {@code
 * k8s.io/apimachinery/pkg/api/resource} (quantity grammar), applied wherever such a field occurs in
 * an object: containers of a Job or of a FlinkDeployment pod template, Strimzi container templates,
 * selectors, node selectors, PodMonitor and NetworkPolicy ports. Each error names the object's
 * field path, the value and the rule.
 */
final class ApiServerRules {

    static final int DNS1123_LABEL_MAX = 63;
    static final int DNS1123_SUBDOMAIN_MAX = 253;
    static final int IANA_SVC_NAME_MAX = 15;
    static final int LABEL_VALUE_MAX = 63;

    /**
     * Flink's native Kubernetes integration derives service names ({@code <id>-rest}) from the
     * cluster id, the FlinkDeployment's name, and rejects ids longer than this.
     */
    static final int FLINK_CLUSTER_ID_MAX = 45;

    private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final Pattern DNS1123_LABEL = Pattern.compile(LABEL);
    private static final Pattern DNS1123_SUBDOMAIN = Pattern.compile(LABEL + "(\\." + LABEL + ")*");
    private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern QUALIFIED_NAME =
            Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern ENV_VAR_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
    private static final Pattern IANA_CHARS = Pattern.compile("[-a-z0-9]+");
    private static final Pattern QUANTITY =
            Pattern.compile(
                    "([+-]?)(\\d+(?:\\.\\d*)?|\\.\\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\\d+)?");
    private static final Set<String> PROTOCOLS = Set.of("TCP", "UDP", "SCTP");

    // enums the published OpenAPI documents list only in their descriptions ("Possible enum
    // values"), so neither the client models nor JSON Schema check them; the API server does
    private static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");
    private static final List<String> RESTART_POLICIES = List.of("Always", "OnFailure", "Never");
    private static final List<String> JOB_RESTART_POLICIES = List.of("OnFailure", "Never");
    private static final List<String> ACCESS_MODES =
            List.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod");
    private static final List<String> POLICY_TYPES = List.of("Ingress", "Egress");
    private static final Set<String> NATIVE_RESOURCES =
            Set.of("cpu", "memory", "ephemeral-storage", "storage");
    private static final Set<String> DOWNWARD_RESOURCES =
            Set.of(
                    "limits.cpu",
                    "limits.memory",
                    "limits.ephemeral-storage",
                    "requests.cpu",
                    "requests.memory",
                    "requests.ephemeral-storage");

    private ApiServerRules() {}

    /** Errors of one object (kind, metadata and everything under {@code spec}). */
    static List<String> check(String kind, Map<String, Object> object) {
        ApiServerRules.Errors e = new Errors();
        Map<String, Object> meta = map(object.get("metadata"));
        String name = String.valueOf(meta.get("name"));
        objectName(kind, name, e);
        Object ns = meta.get("namespace");
        if (ns != null) {
            dns1123Label("metadata.namespace", String.valueOf(ns), e);
        }
        walk(kind, "", object, e);
        enums(kind, object, e);
        return e.list;
    }

    /** Enum fields of the core kinds, with the rules the API server adds for some kinds. */
    private static void enums(String kind, Map<String, Object> object, Errors e) {
        Map<String, Object> spec = map(object.get("spec"));
        switch (kind) {
            case "PersistentVolumeClaim" -> {
                for (Object mode : list(spec.get("accessModes"))) {
                    oneOf("spec.accessModes", mode, ACCESS_MODES, e);
                }
            }
            case "NetworkPolicy" -> {
                for (Object type : list(spec.get("policyTypes"))) {
                    oneOf("spec.policyTypes", type, POLICY_TYPES, e);
                }
            }
            case "Job" -> {
                Object restart = map(map(spec.get("template")).get("spec")).get("restartPolicy");
                // a Job's pods may not restart Always (and the field is required there)
                oneOf("spec.template.spec.restartPolicy", restart, JOB_RESTART_POLICIES, e);
            }
            default -> {}
        }
    }

    private static void oneOf(String path, Object value, List<String> allowed, Errors e) {
        if (!allowed.contains(String.valueOf(value))) {
            e.add(path, value, "must be one of " + allowed);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : List.of();
    }

    // ---- object names -------------------------------------------------------------------------

    private static void objectName(String kind, String name, Errors e) {
        String path = "metadata.name";
        switch (kind) {
            case "Namespace" -> dns1123Label(path, name, e);
            case "Service" -> dns1035Label(path, name, e);
            case "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding" ->
                    pathSegment(path, name, e);
            case "Job" -> {
                // the Job controller labels its pods job-name=<name>: a label value
                dns1123Subdomain(path, name, e);
                labelValue(path, name, e);
            }
            case "FlinkDeployment" -> {
                dns1035Label(path, name, e);
                if (name.length() > FLINK_CLUSTER_ID_MAX) {
                    e.add(
                            path,
                            name,
                            "is the Flink cluster id, at most "
                                    + FLINK_CLUSTER_ID_MAX
                                    + " characters (Flink names services <id>-rest)");
                }
            }
            case "Kafka" -> {
                dns1123Subdomain(path, name, e);
                // Strimzi's bootstrap service <name>-kafka-bootstrap is a Service name
                dns1035Label(path + " + \"-kafka-bootstrap\"", name + "-kafka-bootstrap", e);
            }
            default -> dns1123Subdomain(path, name, e);
        }
    }

    // ---- the walk -----------------------------------------------------------------------------

    private static void walk(String kind, String path, Object node, Errors e) {
        if (kind.equals("PrometheusRule") && path.startsWith("spec.groups")) {
            return; // Prometheus labels and annotations, not Kubernetes ones
        }
        if (node instanceof Map<?, ?> raw) {
            Map<String, Object> m = map(raw);
            if (raw.containsKey("containers") && raw.get("containers") instanceof List<?>) {
                podSpec(path, m, e);
            }
            for (Map.Entry<String, Object> entry : m.entrySet()) {
                String key = entry.getKey();
                Object value = entry.getValue();
                String p = path.isEmpty() ? key : path + "." + key;
                switch (key) {
                    case "labels", "matchLabels", "nodeSelector" -> {
                        if (value instanceof Map<?, ?> labels) {
                            labels(p, map(labels), e);
                        }
                    }
                    case "annotations" -> {
                        if (value instanceof Map<?, ?> annotations) {
                            map(annotations).keySet().forEach(k -> qualifiedName(p, k, e));
                        }
                    }
                    case "env" -> {
                        if (value instanceof List<?> env) {
                            env(p, env, e);
                        }
                    }
                    case "resources" -> {
                        if (value instanceof Map<?, ?> r
                                && (r.containsKey("requests") || r.containsKey("limits"))) {
                            resources(p, map(r), e);
                        }
                    }
                    case "size", "sizeLimit", "ephemeralStorage" -> {
                        if (value instanceof String || value instanceof Number) {
                            quantity(p, value, e);
                        }
                    }
                    case "port" -> {
                        // a named port in a PodMonitor endpoint or a NetworkPolicy rule
                        if (value instanceof String s && !s.matches("\\d+")) {
                            ianaSvcName(p, s, e);
                        }
                    }
                    default -> {}
                }
                walk(kind, p, value, e);
            }
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(kind, path + "[" + i + "]", list.get(i), e);
            }
        }
    }

    private static void podSpec(String path, Map<String, Object> spec, Errors e) {
        if (spec.get("restartPolicy") != null) {
            oneOf(path + ".restartPolicy", spec.get("restartPolicy"), RESTART_POLICIES, e);
        }
        Set<String> volumes = new HashSet<>();
        for (Map<String, Object> v : maps(spec.get("volumes"))) {
            String name = String.valueOf(v.get("name"));
            dns1123Label(path + ".volumes[name=" + name + "].name", name, e);
            if (!volumes.add(name)) {
                e.add(path + ".volumes", name, "is a duplicate volume name");
            }
        }
        Set<String> containerNames = new HashSet<>();
        for (String list : List.of("initContainers", "containers")) {
            List<Map<String, Object>> containers = maps(spec.get(list));
            for (int i = 0; i < containers.size(); i++) {
                Map<String, Object> c = containers.get(i);
                String p = path + "." + list + "[" + i + "]";
                String name = String.valueOf(c.get("name"));
                dns1123Label(p + ".name", name, e);
                if (!containerNames.add(name)) {
                    e.add(p + ".name", name, "is a duplicate container name in the pod");
                }
                ports(p, maps(c.get("ports")), e);
                if (c.get("imagePullPolicy") != null) {
                    oneOf(p + ".imagePullPolicy", c.get("imagePullPolicy"), PULL_POLICIES, e);
                }
                for (Map<String, Object> mount : maps(c.get("volumeMounts"))) {
                    Object volume = mount.get("name");
                    if (!volumes.contains(String.valueOf(volume))) {
                        e.add(
                                p + ".volumeMounts[mountPath=" + mount.get("mountPath") + "].name",
                                volume,
                                "names no volume of the pod (volumes: " + volumes + ")");
                    }
                }
            }
        }
    }

    private static void ports(String container, List<Map<String, Object>> ports, Errors e) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            Map<String, Object> port = ports.get(i);
            String p = container + ".ports[" + i + "]";
            Object name = port.get("name");
            if (name != null) {
                ianaSvcName(p + ".name", String.valueOf(name), e);
                if (!names.add(String.valueOf(name))) {
                    e.add(p + ".name", name, "is a duplicate port name in the container");
                }
            }
            Object number = port.get("containerPort");
            if (!(number instanceof Integer n) || n < 1 || n > 65535) {
                e.add(p + ".containerPort", number, "must be an integer in 1..65535");
            }
            Object protocol = port.get("protocol");
            if (protocol != null && !PROTOCOLS.contains(String.valueOf(protocol))) {
                e.add(p + ".protocol", protocol, "must be one of " + PROTOCOLS);
            }
        }
    }

    private static void env(String path, List<?> env, Errors e) {
        for (int i = 0; i < env.size(); i++) {
            Map<String, Object> var = map(env.get(i));
            String p = path + "[" + i + "]";
            envVarName(p + ".name", String.valueOf(var.get("name")), e);
            if (var.get("valueFrom") instanceof Map<?, ?> from
                    && from.get("resourceFieldRef") instanceof Map<?, ?> ref) {
                Object resource = ref.get("resource");
                if (!DOWNWARD_RESOURCES.contains(String.valueOf(resource))) {
                    e.add(
                            p + ".valueFrom.resourceFieldRef.resource",
                            resource,
                            "must be one of " + DOWNWARD_RESOURCES);
                }
                Object divisor = ref.get("divisor");
                if (divisor != null) {
                    quantity(p + ".valueFrom.resourceFieldRef.divisor", divisor, e);
                }
            }
        }
    }

    private static void resources(String path, Map<String, Object> r, Errors e) {
        Map<String, BigDecimal> requests = quantities(path + ".requests", r.get("requests"), e);
        Map<String, BigDecimal> limits = quantities(path + ".limits", r.get("limits"), e);
        requests.forEach(
                (name, request) -> {
                    BigDecimal limit = limits.get(name);
                    if (limit != null && request.compareTo(limit) > 0) {
                        e.add(
                                path + ".requests." + name,
                                request.toPlainString(),
                                "must be less than or equal to the limit " + limit.toPlainString());
                    }
                    if (limit != null && extended(name) && request.compareTo(limit) != 0) {
                        e.add(
                                path + ".requests." + name,
                                request.toPlainString(),
                                "must equal the limit for an extended resource");
                    }
                });
    }

    private static Map<String, BigDecimal> quantities(String path, Object node, Errors e) {
        Map<String, BigDecimal> out = new java.util.LinkedHashMap<>();
        if (!(node instanceof Map<?, ?> m)) {
            return out;
        }
        map(m).forEach(
                        (name, value) -> {
                            String p = path + "." + name;
                            if (!NATIVE_RESOURCES.contains(name)
                                    && !name.startsWith("hugepages-")) {
                                if (!name.contains("/")) {
                                    e.add(
                                            p,
                                            name,
                                            "is neither a standard resource ("
                                                    + NATIVE_RESOURCES
                                                    + ") nor an extended resource <domain>/<name>");
                                } else {
                                    qualifiedName(path, name, e);
                                }
                            }
                            BigDecimal q = quantity(p, value, e);
                            if (q == null) {
                                return;
                            }
                            if (q.signum() < 0) {
                                e.add(p, value, "must be greater than or equal to 0");
                            } else if (extended(name) && q.stripTrailingZeros().scale() > 0) {
                                e.add(p, value, "must be a whole number for an extended resource");
                            } else {
                                out.put(name, q);
                            }
                        });
        return out;
    }

    private static boolean extended(String resource) {
        return resource.contains("/") && !resource.startsWith("kubernetes.io/");
    }

    // ---- the formats --------------------------------------------------------------------------

    /**
     * A Kubernetes quantity ({@code k8s.io/apimachinery/pkg/api/resource}): an optionally signed
     * decimal number, then a binary suffix (Ki..Ei), a decimal suffix (m, k, M..E) or an exponent
     * ({@code e3}). Returns its value, or null after reporting an error.
     */
    static BigDecimal quantity(String path, Object value, Errors e) {
        String s = String.valueOf(value);
        Matcher m = QUANTITY.matcher(s);
        if (!(value instanceof String || value instanceof Number) || !m.matches()) {
            e.add(
                    path,
                    value,
                    "is not a quantity (<number><suffix>, suffix Ki|Mi|Gi|Ti|Pi|Ei, m|k|M|G|T|P|E"
                            + " or e<exponent>; no space), e.g. 512Mi, 500m, 2");
            return null;
        }
        BigDecimal number = new BigDecimal(m.group(1) + normalise(m.group(2)));
        String suffix = m.group(3) == null ? "" : m.group(3);
        return number.multiply(multiplier(suffix));
    }

    private static String normalise(String number) {
        String n = number.startsWith(".") ? "0" + number : number;
        return n.endsWith(".") ? n + "0" : n;
    }

    private static BigDecimal multiplier(String suffix) {
        return switch (suffix) {
            case "" -> BigDecimal.ONE;
            case "m" -> new BigDecimal("0.001");
            case "k" -> BigDecimal.TEN.pow(3);
            case "M" -> BigDecimal.TEN.pow(6);
            case "G" -> BigDecimal.TEN.pow(9);
            case "T" -> BigDecimal.TEN.pow(12);
            case "P" -> BigDecimal.TEN.pow(15);
            case "E" -> BigDecimal.TEN.pow(18);
            case "Ki" -> BigDecimal.valueOf(2).pow(10);
            case "Mi" -> BigDecimal.valueOf(2).pow(20);
            case "Gi" -> BigDecimal.valueOf(2).pow(30);
            case "Ti" -> BigDecimal.valueOf(2).pow(40);
            case "Pi" -> BigDecimal.valueOf(2).pow(50);
            case "Ei" -> BigDecimal.valueOf(2).pow(60);
            default -> BigDecimal.ONE.scaleByPowerOfTen(Integer.parseInt(suffix.substring(1)));
        };
    }

    /** IANA_SVC_NAME: the format of container and service port names. */
    static void ianaSvcName(String path, String s, Errors e) {
        if (s.length() > IANA_SVC_NAME_MAX) {
            e.add(
                    path,
                    s,
                    "is a port name (IANA_SVC_NAME): at most "
                            + IANA_SVC_NAME_MAX
                            + " characters, has "
                            + s.length());
        }
        if (!IANA_CHARS.matcher(s).matches()) {
            e.add(path, s, "is a port name (IANA_SVC_NAME): only lowercase a-z, 0-9 and '-'");
        }
        if (!s.matches(".*[a-z].*")) {
            e.add(path, s, "is a port name (IANA_SVC_NAME): needs at least one letter");
        }
        if (s.startsWith("-") || s.endsWith("-") || s.contains("--")) {
            e.add(path, s, "is a port name (IANA_SVC_NAME): no '-' at the start or end, no '--'");
        }
    }

    static void dns1123Label(String path, String s, Errors e) {
        if (s.length() > DNS1123_LABEL_MAX || !DNS1123_LABEL.matcher(s).matches()) {
            e.add(
                    path,
                    s,
                    "is not a DNS-1123 label (at most 63 lowercase a-z, 0-9 and '-', starting and"
                            + " ending with a letter or digit)");
        }
    }

    static void dns1035Label(String path, String s, Errors e) {
        if (s.length() > DNS1123_LABEL_MAX || !DNS1035_LABEL.matcher(s).matches()) {
            e.add(
                    path,
                    s,
                    "is not a DNS-1035 label (at most 63 lowercase a-z, 0-9 and '-', starting with"
                            + " a letter, ending with a letter or digit)");
        }
    }

    static void dns1123Subdomain(String path, String s, Errors e) {
        if (s.length() > DNS1123_SUBDOMAIN_MAX || !DNS1123_SUBDOMAIN.matcher(s).matches()) {
            e.add(
                    path,
                    s,
                    "is not a DNS-1123 subdomain (at most 253 characters, dot-separated DNS-1123"
                            + " labels)");
        }
    }

    private static void pathSegment(String path, String s, Errors e) {
        if (s.isEmpty() || s.equals(".") || s.equals("..") || s.contains("/") || s.contains("%")) {
            e.add(path, s, "may not be '.', '..' or contain '/' or '%'");
        }
    }

    /** A label or annotation key: an optional DNS subdomain prefix and '/', then a name. */
    static void qualifiedName(String path, String key, Errors e) {
        String p = path + "[" + key + "]";
        String name = key;
        int slash = key.indexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (prefix.isEmpty()
                    || prefix.length() > DNS1123_SUBDOMAIN_MAX
                    || !DNS1123_SUBDOMAIN.matcher(prefix).matches()) {
                e.add(p, key, "has a prefix that is not a DNS-1123 subdomain");
            }
        }
        if (name.isEmpty()
                || name.length() > LABEL_VALUE_MAX
                || !QUALIFIED_NAME.matcher(name).matches()) {
            e.add(
                    p,
                    key,
                    "has a name part that is not a qualified name (at most 63 characters of"
                            + " A-Z, a-z, 0-9, '-', '_', '.', starting and ending alphanumeric)");
        }
    }

    static void labelValue(String path, String value, Errors e) {
        if (value.length() > LABEL_VALUE_MAX
                || !(value.isEmpty() || QUALIFIED_NAME.matcher(value).matches())) {
            e.add(
                    path,
                    value,
                    "is not a valid label value (at most 63 characters of A-Z, a-z, 0-9, '-',"
                            + " '_', '.', starting and ending alphanumeric, or empty)");
        }
    }

    private static void labels(String path, Map<String, Object> labels, Errors e) {
        labels.forEach(
                (k, v) -> {
                    qualifiedName(path, k, e);
                    if (!(v instanceof String s)) {
                        e.add(path + "[" + k + "]", v, "must be a string (quote it in YAML)");
                    } else {
                        labelValue(path + "[" + k + "]", s, e);
                    }
                });
    }

    /** The API server's rule for environment variable names (IsEnvVarName). */
    static void envVarName(String path, String s, Errors e) {
        if (!ENV_VAR_NAME.matcher(s).matches() || s.equals(".") || s.startsWith("..")) {
            e.add(
                    path,
                    s,
                    "is not a valid environment variable name (letters, digits, '_', '-', '.',"
                            + " not starting with a digit, not '.' or '..'-prefixed)");
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Collected errors, each "field path: value: what is wrong". */
    static final class Errors {
        final List<String> list = new ArrayList<>();

        void add(String path, Object value, String problem) {
            list.add(path + ": \"" + value + "\" " + problem);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> ? (Map<String, Object>) o : Map.of();
    }

    private static List<Map<String, Object>> maps(Object o) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            l.forEach(i -> out.add(map(i)));
        }
        return out;
    }
}
