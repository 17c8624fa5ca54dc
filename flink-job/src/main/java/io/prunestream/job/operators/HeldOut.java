package io.prunestream.job.operators;

import io.prunestream.connectors.kafka.HeldOutTopic;
import io.prunestream.connectors.record.RecordValidator;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.core.data.CsvFile;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.SampleSource;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.train.HeldOutSet;
import io.prunestream.job.config.JobSettings;
import java.util.List;

/**
 * The job's held-out set: a topic ({@code eval.topic}), a local data set's test split or a CSV file
 * ({@code eval.dataset}); its values normalised as the training samples are ({@link
 * io.prunestream.job.model.Features#of}).
 */
final class HeldOut {
    private HeldOut() {}

    /** The configured held-out set, or null for none (or one held out of the stream). */
    static HeldOutSet load(JobSettings settings) {
        JobSettings.EvalSettings conf = settings.eval();
        if (conf.fromStream()) {
            return null; // each run keeps a window of held-out samples (FanOutToRuns)
        }
        InputShape shape = settings.sampleShape();
        if (!conf.topic().isBlank()) {
            List<SampleBatch> batches =
                    HeldOutTopic.read(
                            settings.kafka().bootstrapServers(),
                            conf.topic(),
                            new RecordValidator(
                                    shape.dims(), settings.classes(), settings.valueRange()),
                            conf.samples(),
                            settings.kafka().clientProperties());
            int n = batches.stream().mapToInt(SampleBatch::count).sum();
            if (n == 0) {
                throw new IllegalStateException(
                        "eval.topic '"
                                + conf.topic()
                                + "' holds no valid samples: produce a held-out set"
                                + " into it (./prunestream produce --split test ...) or unset it");
            }
            float[] f = new float[n * shape.size()];
            int[] labels = new int[n];
            int k = 0;
            for (SampleBatch b : batches) {
                float[] x = settings.features().of(b);
                System.arraycopy(x, 0, f, k * shape.size(), x.length);
                for (int i = 0; i < b.count(); i++, k++) {
                    labels[k] = b.label(i);
                }
            }
            return new HeldOutSet(f, labels, shape);
        }
        SampleSource source = conf.dataset();
        HeldOutSet set = null;
        if (source instanceof Datasets ds) {
            set = HeldOutSet.of(ds.load(Datasets.Split.TEST).head(conf.samples()));
        } else if (source instanceof CsvFile csv) {
            set = HeldOutSet.of(csv.load(conf.samples())).as(shape);
        }
        return set == null ? null : set.normalized(settings.normalization());
    }
}
