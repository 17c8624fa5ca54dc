package io.prunestream.monitoring;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The metric names a PromQL expression reads, found by stripping strings, label matchers, ranges
 * and grouping clauses and keeping the identifiers that are not functions or keywords. Good enough
 * for our dashboard and rules; Prometheus itself checks their syntax in the ITCase.
 */
final class PromqlNames {

    private static final Set<String> KEYWORDS =
            Set.of(
                    "and",
                    "or",
                    "unless",
                    "by",
                    "without",
                    "on",
                    "ignoring",
                    "group_left",
                    "group_right",
                    "offset",
                    "bool",
                    "inf",
                    "nan",
                    "atan2",
                    "start",
                    "end");
    private static final Pattern STRINGS =
            Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING =
            Pattern.compile(
                    "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)",
                    Pattern.CASE_INSENSITIVE);
    private static final Pattern IDENT =
            Pattern.compile("(?<![\\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*+)(?!\\s*\\()");

    private PromqlNames() {}

    static Set<String> of(String expr) {
        String s = STRINGS.matcher(expr).replaceAll(" ");
        s = MATCHERS.matcher(s).replaceAll(" ");
        s = RANGES.matcher(s).replaceAll(" ");
        s = GROUPING.matcher(s).replaceAll(" ");
        Set<String> out = new LinkedHashSet<>();
        Matcher m = IDENT.matcher(s);
        while (m.find()) {
            String id = m.group(1);
            if (!KEYWORDS.contains(id.toLowerCase(java.util.Locale.ROOT))) {
                out.add(id);
            }
        }
        return out;
    }

    /** Series Prometheus writes itself for every scrape target. */
    static final Set<String> PROMETHEUS = Set.of("up");

    /**
     * Series of Strimzi's Kafka Exporter, which the Kafka resource of k8s/ enables: the end offset
     * of each topic partition, i.e. what was produced into it.
     */
    static final Set<String> KAFKA_EXPORTER = Set.of("kafka_topic_partition_current_offset");

    /** Series of kube-state-metrics (kube-prometheus-stack runs it): a Job's completion. */
    static final Set<String> KUBE_STATE_METRICS = Set.of("kube_job_complete");

    /**
     * Series the rules and the dashboard read before the job registers them: the record counter of
     * the ingest step and the numeric guard's meters, announced for this release. Each moves into
     * {@link PrunestreamMetric} when its meter lands ({@code PromtoolRulesTest} fails until it is
     * removed from here).
     */
    static final Set<String> ANNOUNCED = Set.of();

    /** Every series name our meters, Flink's reporter and the deployment's exporters produce. */
    static Set<String> known() {
        Set<String> out =
                Stream.concat(
                                Arrays.stream(PrunestreamMetric.values())
                                        .flatMap(m -> m.prometheusNames().stream()),
                                FlinkMetricNames.ALL.stream())
                        .collect(Collectors.toCollection(LinkedHashSet::new));
        out.addAll(PROMETHEUS);
        out.addAll(KAFKA_EXPORTER);
        out.addAll(KUBE_STATE_METRICS);
        out.addAll(ANNOUNCED);
        return out;
    }
}
