package io.prunestream.apps.job;

import io.prunestream.core.nn.CpuBackend;
import io.prunestream.job.config.JobConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;

/**
 * {@code ./prunestream job [--resume [PATH]] [--config job.yaml] [--key value ...]}: the job on a
 * local mini cluster against any broker, durable and resumable (see {@link LocalJob}).
 */
public final class JobCommand {
    private JobCommand() {}

    public static void main(String[] args) throws Exception {
        CpuBackend.configure();
        boolean resume = false;
        Path resumePath = null;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--resume")) {
                resume = true;
                if (i + 1 < args.length && !args[i + 1].startsWith("-")) {
                    resumePath = Path.of(args[++i]);
                }
            } else if (args[i].startsWith("--resume=")) {
                resume = true;
                resumePath = Path.of(args[i].substring("--resume=".length()));
            } else {
                rest.add(args[i]);
            }
        }
        Configuration conf;
        Checkpoints.Found from = null;
        try {
            conf = JobConfig.fromArgs(rest.toArray(String[]::new));
            if (resume) {
                Path out = LocalJob.outputDir(conf);
                from =
                        resumePath != null
                                ? Checkpoints.at(resumePath)
                                : Checkpoints.newest(out)
                                        .orElseThrow(
                                                () ->
                                                        new IllegalArgumentException(
                                                                "--resume: no complete"
                                                                        + " checkpoint or"
                                                                        + " savepoint under "
                                                                        + out.toAbsolutePath()
                                                                        + "; start without"
                                                                        + " --resume, or give"
                                                                        + " its path"));
            }
        } catch (IllegalArgumentException e) {
            System.err.println("prunestream job: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(LocalJob.run(conf, from, false, System.out));
    }
}
