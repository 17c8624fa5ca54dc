package io.prunestream.job.operators;

import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.job.model.Samples;
import java.util.List;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/** Sends every accepted batch to every run: one stream, several runs side by side. */
public class FanOutToRuns implements FlatMapFunction<SampleBatch, Samples> {
    private final List<String> runIds;

    public FanOutToRuns(List<String> runIds) {
        this.runIds = List.copyOf(runIds);
    }

    @Override
    public void flatMap(SampleBatch b, Collector<Samples> out) {
        float[] features = b.features();
        for (String run : runIds) {
            out.collect(new Samples(run, b.count(), features, b.labels()));
        }
    }
}
