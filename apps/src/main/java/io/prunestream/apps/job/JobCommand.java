package io.prunestream.apps.job;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.nn.CpuBackend;
import io.prunestream.job.config.JobConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Stack;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code ./prunestream job [--resume [PATH]] [--config job.yaml] [--key value ...]}: the job on a
 * local mini cluster against any broker, durable and resumable (see {@link LocalJob}). Every
 * argument but {@code --resume} is the job's own configuration and goes to {@link
 * JobConfig#fromArgs} as it is, so the job's keys need no declaring here.
 */
@Command(
        name = "job",
        customSynopsis =
                "prunestream job [-hV] [--resume[=PATH]] [--config FILE] [--KEY VALUE | -DKEY=VALUE]...",
        description = {
            "The pruning job on a local Flink mini cluster against any broker: durable"
                    + " checkpoints, one console line per failure, bounded restarts, Ctrl-C or"
                    + " SIGTERM stops with a savepoint."
        },
        footerHeading = "%nConfiguration:%n",
        footer = {
            "  --config FILE        the job's YAML configuration (the keys of README's"
                    + " configuration table)",
            "  --KEY VALUE          one key, e.g. --kafka.topic samples; also --KEY=VALUE",
            "  -DKEY=VALUE          the same, Flink style",
            "  --bootstrap-servers  short for --kafka.bootstrap-servers; also --topic"
                    + " (kafka.topic),",
            "                       --runs (prune.runs), --output (output.dir)"
        })
public final class JobCommand implements Callable<Integer> {
    @Option(
            names = "--resume",
            arity = "0..1",
            paramLabel = "PATH",
            parameterConsumer = OptionalPath.class,
            description =
                    "Resume from the newest complete checkpoint or savepoint of the job that last"
                            + " wrote into output.dir (refused when it finished, or when a setting"
                            + " that decides the training differs from that job's), or from PATH"
                            + " (default: start fresh).")
    String resume;

    /** The job's configuration, passed to {@link JobConfig#fromArgs} unchanged. */
    @Unmatched List<String> configuration = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        CpuBackend.configure();
        Configuration conf;
        Checkpoints.Found from = null;
        try {
            conf = JobConfig.fromArgs(configuration.toArray(String[]::new));
            if (resume != null) {
                from =
                        Checkpoints.resumePoint(
                                LocalJob.outputDir(conf),
                                resume,
                                JobRecord.settings(conf),
                                System.out);
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw UsageException.of(e); // a bad key, value, file or resume point: one line, exit 2
        }
        return LocalJob.run(conf, from, false, System.out);
    }

    /**
     * {@code --resume}'s path is the next argument unless that is an option: the job's keys are
     * unknown to picocli, which would take {@code --resume --bootstrap-servers} for a path.
     */
    static final class OptionalPath implements IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, ArgSpec option, CommandSpec command) {
            boolean path = !args.isEmpty() && !args.peek().startsWith("-");
            option.setValue(path ? args.pop() : "");
        }
    }
}
