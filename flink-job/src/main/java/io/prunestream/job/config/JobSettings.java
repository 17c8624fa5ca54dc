package io.prunestream.job.config;

import io.prunestream.connectors.record.ValueRange;
import io.prunestream.core.data.Normalization;
import io.prunestream.core.data.SampleSource;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.run.RunSettings;
import io.prunestream.job.model.Features;
import io.prunestream.monitoring.EndpointSettings;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The job's configuration, parsed and validated once ({@link JobConfig#settings}) and handed to the
 * operators as it is: typed, serializable, no re-parsing in {@code open}.
 *
 * @param runs every run, fully resolved
 * @param kafka where the records come from and where dead letters and versions go
 * @param sampleShape shape of one sample
 * @param classes number of classes
 * @param normalization what is applied to every sample's values before a model sees them
 * @param valueRange accepted range of float32 sample values
 * @param eval the held-out set
 * @param outputDir folder for model versions and reports
 * @param keepVersions newest versions kept per run (0 = all)
 * @param versionReports also keep an HTML report per version
 * @param metrics the training-metrics endpoint
 * @param checkpointInterval zero = checkpointing off
 */
public record JobSettings(
        List<RunSettings> runs,
        KafkaSettings kafka,
        InputShape sampleShape,
        int classes,
        Normalization normalization,
        ValueRange valueRange,
        EvalSettings eval,
        String outputDir,
        int keepVersions,
        boolean versionReports,
        EndpointSettings metrics,
        Duration checkpointInterval)
        implements Serializable {

    public JobSettings {
        runs = List.copyOf(runs);
    }

    /**
     * @param bootstrapServers brokers
     * @param topic training records
     * @param groupId consumer group
     * @param startingOffsets earliest, latest or committed
     * @param bounded stop at the offsets that are latest at start
     * @param deadLetterTopic rejected records
     * @param modelTopic version announcements; empty = off
     * @param clientProperties extra Kafka client settings ({@code kafka.properties.*})
     */
    public record KafkaSettings(
            String bootstrapServers,
            String topic,
            String groupId,
            String startingOffsets,
            boolean bounded,
            String deadLetterTopic,
            String modelTopic,
            Map<String, String> clientProperties)
            implements Serializable {
        public KafkaSettings {
            clientProperties = Map.copyOf(clientProperties);
        }
    }

    /**
     * @param dataset a local data set's test split or a CSV file, or null
     * @param topic a topic holding the held-out set; empty = none (overrides the data set)
     * @param samples held-out samples per evaluation
     * @param source a fixed set (topic or data set) or held out of the stream
     * @param holdout with a stream source: the share of samples held out
     */
    public record EvalSettings(
            SampleSource dataset, String topic, int samples, EvalSource source, double holdout)
            implements Serializable {

        /** A fixed held-out set. */
        public EvalSettings(SampleSource dataset, String topic, int samples) {
            this(dataset, topic, samples, EvalSource.FIXED, 0);
        }

        public boolean fromStream() {
            return source == EvalSource.STREAM;
        }
    }

    public RunSettings run(String id) {
        return runs.stream()
                .filter(r -> r.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no settings for run '" + id + "'"));
    }

    /** How records' values become the features every model sees (training and held-out). */
    public Features features() {
        return new Features(normalization, sampleShape);
    }

    public List<String> runIds() {
        return runs.stream().map(RunSettings::id).toList();
    }

    /** Batch size per run. */
    public Map<String, Integer> batchSizes() {
        return runs.stream()
                .collect(
                        java.util.stream.Collectors.toMap(
                                RunSettings::id, r -> r.spec().batchSize()));
    }
}
