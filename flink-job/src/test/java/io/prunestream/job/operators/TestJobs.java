package io.prunestream.job.operators;

import io.prunestream.job.config.JobConfig;
import io.prunestream.job.model.Samples;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.configuration.Configuration;

/** A small two-run job configuration and deterministic sample batches for operator tests. */
final class TestJobs {
    private TestJobs() {}

    static Configuration config(Path output) {
        Configuration c =
                JobConfig.fromYaml(
                        """
                        prune.runs: a;b
                        data.sample-shape: 1,12,12
                        data.classes: 4
                        eval.dataset: none
                        prune.warmup: 2
                        prune.penalty.interval: 1
                        prune.penalty.delta: 0.25
                        prune.penalty.stabilize: 2
                        prune.batch-size: 8
                        prune.publish.interval: 3
                        prune.stats.interval: 2
                        prune.run.a.method: greg1
                        prune.run.b.method: greg2
                        prune.run.b.penalty.pick-delta: 0.05
                        prune.run.b.penalty.pick-ceiling: 0.1
                        prune.run.b.ratios: 0.7
                        prune.run.b.granularity: weight
                        """);
        c.setString("output.dir", output.toString());
        return c;
    }

    /** Batches of a run keyed by its id (the routing key of a run that needs no suffix). */
    static List<Samples> batches(String run, int n, int size, long seed) {
        Random r = new Random(seed);
        List<Samples> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            float[] f = new float[size * 144];
            for (int k = 0; k < f.length; k++) {
                f[k] = r.nextFloat();
            }
            int[] l = new int[size];
            for (int k = 0; k < size; k++) {
                l[k] = r.nextInt(4);
            }
            out.add(new Samples(run, run, size, f, l));
        }
        return out;
    }
}
