package io.prunestream.apps.job;

import io.prunestream.core.nn.CpuBackend;
import io.prunestream.job.PruneJob;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.PruneOptions;
import io.prunestream.job.sink.ModelFolderSink;
import io.prunestream.monitoring.EndpointSettings;
import io.prunestream.monitoring.PortConflict;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.executiongraph.ErrorInfo;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.TimeUtils;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs the pruning job on a Flink mini cluster in this JVM, the way a user watches it from a
 * terminal: every task failure prints one line with its root cause (whatever the log level),
 * restarts are bounded (failing for good exits non-zero with the cause), Ctrl-C or SIGTERM stops
 * the job with a savepoint, and {@code resumeFrom} restores a checkpoint or savepoint.
 */
public final class LocalJob {
    private LocalJob() {}

    /**
     * Runs until the job finishes, fails for good or is stopped; returns the process exit code (0
     * finished or stopped with a savepoint, 1 failed).
     */
    public static int run(
            Configuration userConf,
            Checkpoints.Found resumeFrom,
            boolean printProgress,
            PrintStream console)
            throws Exception {
        // ND4J keeps the class loader it starts under: start it here, not under the job's
        // user-code class loader, which Flink closes when the job ends
        CpuBackend.configure();
        Nd4j.getBackend();
        Configuration conf = JobConfig.withFlinkDefaults(userConf);
        String taken = takenMetricsPort(JobConfig.settings(userConf).metrics());
        if (taken != null) {
            console.println("prunestream job: " + taken);
            return 2;
        }
        String used = resumeFrom == null ? ModelFolderSink.earlierVersions(userConf) : null;
        if (used != null) { // a fresh start; the sink's writer checks the same on a cluster
            console.println("prunestream job: " + used);
            return 2;
        }
        conf.set(RestOptions.BIND_PORT, conf.getString(RestOptions.BIND_PORT.key(), "0"));
        if (resumeFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, resumeFrom.dir().toUri().toString());
            console.println("prunestream job: resuming from " + resumeFrom.describe());
        }
        // one subtask unless asked: ND4J already uses every core for one run's step
        if (!conf.contains(CoreOptions.DEFAULT_PARALLELISM)) {
            conf.set(CoreOptions.DEFAULT_PARALLELISM, 1);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        int parallelism = env.getParallelism();
        PruneJob.Streams streams = PruneJob.build(env, conf, printProgress);
        streams.versionLines().print().name("versions-log");
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName("prunestream");

        MiniClusterConfiguration cluster =
                new MiniClusterConfiguration.Builder()
                        .setConfiguration(conf)
                        .setNumTaskManagers(1)
                        .setNumSlotsPerTaskManager(Math.max(1, parallelism))
                        .build();
        try (MiniCluster mini = new MiniCluster(cluster)) {
            mini.start();
            JobID id = mini.submitJob(graph).get().getJobID();
            AtomicReference<String> savepoint = new AtomicReference<>();
            Thread stopper =
                    new Thread(
                            () -> stopWithSavepoint(mini, id, conf, savepoint, console),
                            "prunestream-stop");
            Runtime.getRuntime().addShutdownHook(stopper);
            try {
                return watch(mini, id, conf, savepoint, console);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(stopper);
                } catch (IllegalStateException shuttingDown) {
                    stopper.join(); // the hook is taking the savepoint: let it finish
                }
            }
        }
    }

    private static int watch(
            MiniCluster mini,
            JobID id,
            Configuration conf,
            AtomicReference<String> savepoint,
            PrintStream console)
            throws Exception {
        int maxFailures = conf.get(PruneOptions.RESTART_MAX_FAILURES);
        long lastFailure = -1;
        int failures = 0;
        while (true) {
            JobStatus status = mini.getJobStatus(id).get(10, TimeUnit.SECONDS);
            ErrorInfo failure =
                    mini.getExecutionGraph(id).get(10, TimeUnit.SECONDS).getFailureInfo();
            if (failure != null && failure.getTimestamp() != lastFailure) {
                lastFailure = failure.getTimestamp();
                failures++;
                console.printf(
                        Locale.ROOT,
                        "prunestream job: failure %d (restarts after up to %d failures in %s;"
                                + " one more ends the job): %s%n",
                        failures,
                        maxFailures,
                        TimeUtils.formatWithHighestUnit(conf.get(PruneOptions.RESTART_INTERVAL)),
                        rootCause(failure.getException()));
            }
            if (status.isGloballyTerminalState()) {
                JobResult result = mini.requestJobResult(id).get();
                if (result.isSuccess()) {
                    return 0;
                }
                if (savepoint.get() != null) {
                    return 0;
                }
                String cause =
                        result.getSerializedThrowable().map(LocalJob::rootCause).orElse("unknown");
                console.println("prunestream job: " + status + ": " + cause);
                return 1;
            }
            Thread.sleep(500);
        }
    }

    private static void stopWithSavepoint(
            MiniCluster mini,
            JobID id,
            Configuration conf,
            AtomicReference<String> savepoint,
            PrintStream console) {
        try {
            if (mini.getJobStatus(id).get(5, TimeUnit.SECONDS).isGloballyTerminalState()) {
                return;
            }
            console.println("prunestream job: stopping with a savepoint ...");
            String dir = conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY);
            String path =
                    mini.stopWithSavepoint(id, dir, false, SavepointFormatType.CANONICAL)
                            .get(5, TimeUnit.MINUTES);
            savepoint.set(path);
            console.println(
                    "prunestream job: stopped; savepoint "
                            + path
                            + "\n  continue with: ./prunestream job --resume [same options]");
        } catch (Exception e) {
            console.println(
                    "prunestream job: no savepoint taken ("
                            + rootCause(e)
                            + "); the newest retained checkpoint can be resumed");
        }
    }

    /**
     * Why the metrics port cannot be used (taken, with port-conflict fail), or null. Checked before
     * the job starts, as a task could only fail on it again after every restart.
     */
    static String takenMetricsPort(EndpointSettings m) {
        if (m.port() == 0 || m.portConflict() == PortConflict.FALLBACK) {
            return null;
        }
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(m.bindAddress(), m.port()));
            return null;
        } catch (IOException e) {
            return "metrics port "
                    + m.port()
                    + " on "
                    + m.bindAddress()
                    + " is taken ("
                    + e.getMessage()
                    + "): set prune.metrics.port to a free port, 0 for any, or"
                    + " prune.metrics.port-conflict: fallback";
        }
    }

    /** The innermost cause, as one line: its class and message. */
    public static String rootCause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String name =
                root instanceof org.apache.flink.util.SerializedThrowable s
                        ? s.getOriginalErrorClassName()
                        : root.getClass().getName();
        String message = root.getMessage() == null ? "" : root.getMessage();
        if (root instanceof org.apache.flink.util.SerializedThrowable && message.startsWith(name)) {
            message = message.substring(name.length()).replaceFirst("^:\\s*", "");
        }
        String line = (name + ": " + message).replaceAll("\\s+", " ").trim();
        return line.length() > 400 ? line.substring(0, 400) + " …" : line;
    }

    /** The output folder the configuration names. */
    public static Path outputDir(Configuration conf) {
        return Path.of(conf.get(PruneOptions.OUTPUT_DIR));
    }
}
