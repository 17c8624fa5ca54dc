package io.prunestream.monitoring;

import java.util.List;

/**
 * The Flink metrics the dashboard and alerts use, as Flink 2.2's Prometheus reporter names them:
 * {@code flink_} + the logical scope joined by {@code _} + the metric name, with characters outside
 * {@code [a-zA-Z0-9:_]} replaced by {@code _}; scope variables ({@code job_name}, {@code
 * task_name}, {@code operator_name}, {@code subtask_index}, ...) and key/value groups ({@code
 * topic}, {@code partition}) become labels. These come from Flink, not from this module: the job
 * author enables the reporter with {@link #REPORTER_CONFIG}.
 */
public final class FlinkMetricNames {

    /** The Flink configuration that turns on Flink's own Prometheus reporter (config.yaml). */
    public static final String REPORTER_CONFIG =
            """
            metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
            # one port per JobManager/TaskManager process on a host; a range lets several share it
            metrics.reporter.prom.port: 9249-9250
            """;

    /** Records the Kafka source still has to read, summed over its partitions (FLIP-33). */
    public static final String PENDING_RECORDS =
            "flink_taskmanager_job_task_operator_pendingRecords";

    /** The Kafka consumer's own maximum records lag (its fetch-manager metric). */
    public static final String KAFKA_RECORDS_LAG_MAX =
            "flink_taskmanager_job_task_operator_KafkaSourceReader_KafkaConsumer_records_lag_max";

    /** Offset the Kafka source has read up to, per topic/partition (labels). */
    public static final String KAFKA_CURRENT_OFFSET =
            "flink_taskmanager_job_task_operator_KafkaSourceReader_topic_partition_currentOffset";

    public static final String RECORDS_IN_PER_SECOND =
            "flink_taskmanager_job_task_operator_numRecordsInPerSecond";

    /** Milliseconds per second a task was back-pressured (0..1000). */
    public static final String BACK_PRESSURED_TIME =
            "flink_taskmanager_job_task_backPressuredTimeMsPerSecond";

    public static final String BUSY_TIME = "flink_taskmanager_job_task_busyTimeMsPerSecond";

    public static final String LAST_CHECKPOINT_DURATION =
            "flink_jobmanager_job_lastCheckpointDuration";

    /** Bytes written by the last checkpoint (differs from the full size when incremental). */
    public static final String LAST_CHECKPOINT_SIZE = "flink_jobmanager_job_lastCheckpointSize";

    public static final String LAST_CHECKPOINT_FULL_SIZE =
            "flink_jobmanager_job_lastCheckpointFullSize";

    public static final String FAILED_CHECKPOINTS =
            "flink_jobmanager_job_numberOfFailedCheckpoints";

    public static final String COMPLETED_CHECKPOINTS =
            "flink_jobmanager_job_numberOfCompletedCheckpoints";

    public static final String RESTARTS = "flink_jobmanager_job_numRestarts";

    /** Milliseconds the job has been RUNNING (replaces the deprecated {@code uptime}). */
    public static final String RUNNING_TIME = "flink_jobmanager_job_runningTime";

    public static final String RUNNING_JOBS = "flink_jobmanager_numRunningJobs";

    /** All of the above, for checks of the dashboard and alert rules. */
    public static final List<String> ALL =
            List.of(
                    PENDING_RECORDS,
                    KAFKA_RECORDS_LAG_MAX,
                    KAFKA_CURRENT_OFFSET,
                    RECORDS_IN_PER_SECOND,
                    BACK_PRESSURED_TIME,
                    BUSY_TIME,
                    LAST_CHECKPOINT_DURATION,
                    LAST_CHECKPOINT_SIZE,
                    LAST_CHECKPOINT_FULL_SIZE,
                    FAILED_CHECKPOINTS,
                    COMPLETED_CHECKPOINTS,
                    RESTARTS,
                    RUNNING_TIME,
                    RUNNING_JOBS);

    private FlinkMetricNames() {}
}
