package io.prunestream.job.operators;

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
        Configuration c = new Configuration();
        c.setString("prune.runs", "a;b");
        c.setString("data.sample-shape", "1,12,12");
        c.setString("data.classes", "4");
        c.setString("eval.dataset", "none");
        c.setString("output.dir", output.toString());
        c.setString("prune.warmup", "2");
        c.setString("prune.penalty.interval", "1");
        c.setString("prune.penalty.delta", "0.25");
        c.setString("prune.penalty.stabilize", "2");
        c.setString("prune.batch-size", "8");
        c.setString("prune.publish.interval", "3");
        c.setString("prune.stats.interval", "2");
        c.setString("prune.run.a.method", "greg1");
        c.setString("prune.run.b.method", "greg2");
        c.setString("prune.run.b.penalty.pick-delta", "0.05");
        c.setString("prune.run.b.penalty.pick-ceiling", "0.1");
        c.setString("prune.run.b.ratios", "0.7");
        c.setString("prune.run.b.granularity", "weight");
        return c;
    }

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
            out.add(new Samples(run, size, f, l));
        }
        return out;
    }
}
