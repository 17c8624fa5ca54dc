package io.prunestream.apps.job;

import io.prunestream.core.config.UsageException;
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
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.executiongraph.ErrorInfo;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.scheduler.ExecutionGraphInfo;
import org.apache.flink.runtime.scheduler.exceptionhistory.RootExceptionHistoryEntry;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.TimeUtils;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the pruning job on a Flink mini cluster in this JVM, the way a user watches it from a
 * terminal: every failure in the job's exception history prints one line with its root cause
 * (whatever the log level), restarts are bounded (failing for good exits non-zero with the cause),
 * Ctrl-C or SIGTERM stops the job with a savepoint within {@code prune.stop.timeout} (else cancels
 * it and names the checkpoint {@code --resume} continues from), and {@code resumeFrom} restores a
 * checkpoint or savepoint. Each job it runs is recorded in {@code <output.dir>/jobs} ({@link
 * JobRecord}).
 */
public final class LocalJob {
    private static final Logger LOG = LoggerFactory.getLogger(LocalJob.class);

    /** How often the watcher reads the job's status and exception history. */
    private static final long POLL_MS = 500;

    /** How long one read may take before it is retried. */
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(10);

    /** How long a stop waits for the cancelled job's tasks before the process exits anyway. */
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(5);

    private LocalJob() {}

    /**
     * Runs until the job finishes, fails for good or is stopped; returns the process exit code (0
     * finished or stopped, 1 failed).
     *
     * @throws UsageException for a setting, topic or port that cannot be used (before the job
     *     starts)
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
        // at a terminal a missing topic is a usage error now, not something an operator creates
        if (!userConf.contains(PruneOptions.KAFKA_STARTUP_TIMEOUT)) {
            conf.set(PruneOptions.KAFKA_STARTUP_TIMEOUT, Duration.ZERO);
        }
        String taken = takenMetricsPort(JobConfig.settings(userConf).metrics());
        if (taken != null) {
            throw new UsageException(taken);
        }
        String used = resumeFrom == null ? ModelFolderSink.earlierVersions(userConf) : null;
        if (used != null) { // a fresh start; the sink's writer checks the same on a cluster
            console.println("prunestream job: " + used);
            return 2;
        }
        conf.set(RestOptions.BIND_PORT, conf.getString(RestOptions.BIND_PORT.key(), "0"));
        // every failure stays in the history until the watcher has printed it
        if (!conf.contains(WebOptions.MAX_EXCEPTION_HISTORY_SIZE)) {
            conf.set(WebOptions.MAX_EXCEPTION_HISTORY_SIZE, 1000);
        }
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
        PruneJob.Streams streams;
        try {
            streams = PruneJob.build(env, conf, printProgress);
        } catch (IllegalArgumentException | IllegalStateException e) {
            // a bad setting or an unusable topic, found before the job starts
            throw UsageException.of(e);
        }
        streams.versionLines().print().name("versions-log");
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName("prunestream");

        MiniClusterConfiguration cluster =
                new MiniClusterConfiguration.Builder()
                        .setConfiguration(conf)
                        .setNumTaskManagers(1)
                        .setNumSlotsPerTaskManager(Math.max(1, parallelism))
                        .build();
        try (LocalCluster mini = new LocalCluster(cluster)) {
            mini.start();
            JobID id = mini.submitJob(graph).get().getJobID();
            Watched job =
                    new Watched(
                            mini,
                            id,
                            conf,
                            outputDir(userConf).toAbsolutePath(),
                            JobRecord.started(id.toString(), resumeFrom, userConf),
                            console);
            Thread stopper = new Thread(job::stop, "prunestream-stop");
            Runtime.getRuntime().addShutdownHook(stopper);
            try {
                return job.watch();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(stopper);
                } catch (IllegalStateException shuttingDown) {
                    stopper.join(); // the hook is stopping the job: let it finish
                }
            }
        }
    }

    /** A mini cluster that also answers with the job's exception history. */
    private static final class LocalCluster extends MiniCluster {
        LocalCluster(MiniClusterConfiguration configuration) {
            super(configuration);
        }

        /** The job's archived graph and exception history (also after it ended). */
        CompletableFuture<ExecutionGraphInfo> executionGraphInfo(JobID id) {
            return getDispatcherGatewayFuture()
                    .thenCompose(g -> g.requestExecutionGraphInfo(id, POLL_TIMEOUT));
        }
    }

    /** One running job: the watcher (the main thread) and the stop (the shutdown hook). */
    private static final class Watched {
        private final LocalCluster mini;
        private final JobID id;
        private final Configuration conf;
        private final Path out;
        private final PrintStream console;
        private final AtomicBoolean stopRequested = new AtomicBoolean();
        private final Set<String> reported = new HashSet<>();
        private JobRecord record;

        Watched(
                LocalCluster mini,
                JobID id,
                Configuration conf,
                Path out,
                JobRecord record,
                PrintStream console) {
            this.mini = mini;
            this.id = id;
            this.conf = conf;
            this.out = out;
            this.record = record;
            this.console = console;
            record.write(out);
        }

        /**
         * Prints each new entry of the exception history once, until the job ends; a read that
         * times out or fails is logged and retried, so the watcher never ends the job.
         */
        int watch() throws InterruptedException {
            boolean failing = false;
            while (true) {
                ExecutionGraphInfo info;
                try {
                    info =
                            mini.executionGraphInfo(id)
                                    .get(POLL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException | RuntimeException e) {
                    if (!mini.isRunning()) {
                        console.println(
                                "prunestream job: the mini cluster stopped: " + rootCause(e));
                        return 1;
                    }
                    if (!failing) {
                        LOG.warn("reading the job's status failed, retrying: {}", rootCause(e));
                    }
                    failing = true;
                    Thread.sleep(POLL_MS);
                    continue;
                }
                failing = false;
                reportNewFailures(info);
                JobStatus status = info.getArchivedExecutionGraph().getState();
                if (status.isGloballyTerminalState()) {
                    return ended(info, status);
                }
                Thread.sleep(POLL_MS);
            }
        }

        private void reportNewFailures(ExecutionGraphInfo info) {
            for (RootExceptionHistoryEntry e : info.getExceptionHistory()) {
                String key =
                        e.getTimestamp()
                                + "/"
                                + e.getFailingTaskName()
                                + "/"
                                + e.getExceptionAsString().hashCode();
                if (reported.add(key)) {
                    console.printf(
                            Locale.ROOT,
                            "prunestream job: failure %d (restarts after up to %d failures"
                                    + " within %s; one more ends the job): %s%n",
                            reported.size(),
                            conf.get(PruneOptions.RESTART_MAX_FAILURES),
                            TimeUtils.formatWithHighestUnit(
                                    conf.get(PruneOptions.RESTART_INTERVAL)),
                            rootCause(e.getException()));
                }
            }
        }

        private int ended(ExecutionGraphInfo info, JobStatus status) {
            if (stopRequested.get()) {
                return 0; // the stop records and prints how it ended
            }
            switch (status) {
                case FINISHED -> {
                    end(JobRecord.State.FINISHED, null, null);
                    return 0;
                }
                case FAILED -> end(JobRecord.State.FAILED, null, null);
                default -> end(JobRecord.State.CANCELED, null, null);
            }
            ErrorInfo failure = info.getArchivedExecutionGraph().getFailureInfo();
            console.printf(
                    Locale.ROOT,
                    "prunestream job: %s after %d failures (the job's exception history): %s%n",
                    status,
                    historySize(info),
                    failure == null ? "cancelled" : rootCause(failure.getException()));
            return 1;
        }

        private static int historySize(ExecutionGraphInfo info) {
            int n = 0;
            for (RootExceptionHistoryEntry ignored : info.getExceptionHistory()) {
                n++;
            }
            return n;
        }

        private synchronized void end(JobRecord.State state, String savepoint, String checkpoint) {
            if (record.ended() == null) {
                record = record.ended(state, savepoint, checkpoint);
                record.write(out);
            }
        }

        /**
         * Stops with a savepoint within {@code prune.stop.timeout}; past it (or when the savepoint
         * fails) cancels the job, which keeps its retained checkpoints, and names what {@code
         * --resume} continues from.
         */
        void stop() {
            try {
                if (mini.getJobStatus(id).get(5, TimeUnit.SECONDS).isGloballyTerminalState()) {
                    return;
                }
            } catch (Exception e) {
                return; // the cluster is gone: nothing to stop
            }
            stopRequested.set(true);
            Duration timeout = conf.get(PruneOptions.STOP_TIMEOUT);
            console.println(
                    "prunestream job: stopping with a savepoint (up to "
                            + TimeUtils.formatWithHighestUnit(timeout)
                            + ") ...");
            long t0 = System.nanoTime();
            CompletableFuture<String> savepoint =
                    mini.stopWithSavepoint(
                            id,
                            conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY),
                            false,
                            SavepointFormatType.CANONICAL);
            String why;
            try {
                stopped(savepoint.get(timeout.toMillis(), TimeUnit.MILLISECONDS), t0);
                return;
            } catch (TimeoutException e) {
                why = "no savepoint within " + TimeUtils.formatWithHighestUnit(timeout);
            } catch (Exception e) {
                why = "the savepoint failed (" + rootCause(e) + ")";
            }
            mini.cancelJob(id);
            JobStatus status = awaitEnd();
            if (savepoint.isDone() && !savepoint.isCompletedExceptionally()) {
                stopped(savepoint.join(), t0); // it completed while the job was cancelled
                return;
            }
            if (status == JobStatus.FINISHED) {
                end(JobRecord.State.FINISHED, null, null);
                console.println("prunestream job: it had already finished");
                return;
            }
            Optional<Checkpoints.Found> kept = Checkpoints.newestOwn(record, out);
            end(JobRecord.State.CANCELED, null, kept.map(f -> f.dir().toString()).orElse(null));
            console.println(
                    "prunestream job: "
                            + why
                            + "; cancelled"
                            + (kept.isPresent()
                                    ? ", keeping " + kept.get().describe()
                                    : " before its first checkpoint")
                            + (kept.isPresent() || record.resumedFrom() != null
                                    ? ": --resume continues from "
                                            + kept.map(Checkpoints.Found::describe)
                                                    .orElse(record.resumedFrom())
                                    : ": nothing to resume, start without --resume"));
        }

        private void stopped(String savepoint, long t0) {
            end(JobRecord.State.STOPPED, savepoint, null);
            console.printf(
                    Locale.ROOT,
                    "prunestream job: stopped in %.1f s; savepoint %s%n"
                            + "  continue with: ./prunestream job --resume [same options]%n",
                    (System.nanoTime() - t0) / 1e9,
                    savepoint);
        }

        /** The job's status once it ended, or its last status after {@link #CANCEL_WAIT}. */
        private JobStatus awaitEnd() {
            long deadline = System.nanoTime() + CANCEL_WAIT.toNanos();
            JobStatus status = null;
            while (System.nanoTime() < deadline) {
                try {
                    status = mini.getJobStatus(id).get(1, TimeUnit.SECONDS);
                    if (status.isGloballyTerminalState()) {
                        return status;
                    }
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return status;
                } catch (Exception e) {
                    LOG.warn("waiting for the cancelled job: {}", rootCause(e));
                }
            }
            return status;
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
