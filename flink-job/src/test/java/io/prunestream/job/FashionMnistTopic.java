package io.prunestream.job;

import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.core.data.Datasets;

/** Fills a topic with Fashion-MNIST images for the job's pipeline tests. */
public final class FashionMnistTopic {
    private FashionMnistTopic() {}

    /**
     * Sends the first {@code limit} images of {@code split}, {@code perRecord} to a record, the
     * same records at the same offsets on every call; returns the records sent.
     */
    public static long fill(
            String bootstrapServers, String topic, Datasets.Split split, int limit, int perRecord) {
        return DatasetProducer.produce(
                ProducerSettings.builder()
                        .setBootstrapServers(bootstrapServers)
                        .setTopic(topic)
                        .setDataset(Datasets.FASHION_MNIST)
                        .setSplit(split)
                        .setLimit(limit)
                        .setSamplesPerRecord(perRecord)
                        .build());
    }
}
