package io.prunestream.connectors.kafka;

import java.io.IOException;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A bounded source that also ends after a restore. Flink's Kafka enumerator (connector 5.0.0-2.2)
 * restored from a checkpoint finds no new partitions and then never tells its readers that no more
 * splits come, so a resumed bounded job reads every record and idles forever. This wrapper sends
 * that signal to each reader of a restored bounded source once the enumerator has handed it its
 * pending splits (the restored splits themselves live in the readers' state, with their stopping
 * offsets). Partitions added to the topic after the job first started are not read by a resumed
 * bounded job, as they were not part of its bounded input.
 */
public final class RestorableBoundedSource<T, SplitT extends SourceSplit, EnumT>
        implements Source<T, SplitT, EnumT>, ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;

    private final Source<T, SplitT, EnumT> source;
    private final TypeInformation<T> type;

    private RestorableBoundedSource(Source<T, SplitT, EnumT> source, TypeInformation<T> type) {
        this.source = source;
        this.type = type;
    }

    /** {@code source} unchanged when unbounded, else wrapped. */
    public static <T, S extends SourceSplit, E> Source<T, S, E> of(
            Source<T, S, E> source, TypeInformation<T> type) {
        return source.getBoundedness() == Boundedness.BOUNDED
                ? new RestorableBoundedSource<>(source, type)
                : source;
    }

    @Override
    public Boundedness getBoundedness() {
        return source.getBoundedness();
    }

    @Override
    public SourceReader<T, SplitT> createReader(SourceReaderContext ctx) throws Exception {
        return source.createReader(ctx);
    }

    @Override
    public SplitEnumerator<SplitT, EnumT> createEnumerator(SplitEnumeratorContext<SplitT> ctx)
            throws Exception {
        return source.createEnumerator(ctx);
    }

    @Override
    public SplitEnumerator<SplitT, EnumT> restoreEnumerator(
            SplitEnumeratorContext<SplitT> ctx, EnumT checkpoint) throws Exception {
        return new Restored<>(source.restoreEnumerator(ctx, checkpoint), ctx);
    }

    @Override
    public SimpleVersionedSerializer<SplitT> getSplitSerializer() {
        return source.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<EnumT> getEnumeratorCheckpointSerializer() {
        return source.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return type;
    }

    /** The restored enumerator, plus the end-of-splits signal it forgets. */
    private static final class Restored<SplitT extends SourceSplit, EnumT>
            implements SplitEnumerator<SplitT, EnumT> {
        private final SplitEnumerator<SplitT, EnumT> delegate;
        private final SplitEnumeratorContext<SplitT> ctx;

        Restored(SplitEnumerator<SplitT, EnumT> delegate, SplitEnumeratorContext<SplitT> ctx) {
            this.delegate = delegate;
            this.ctx = ctx;
        }

        @Override
        public void start() {
            delegate.start();
        }

        @Override
        public void handleSplitRequest(int subtaskId, String requesterHostname) {
            delegate.handleSplitRequest(subtaskId, requesterHostname);
        }

        @Override
        public void addSplitsBack(List<SplitT> splits, int subtaskId) {
            delegate.addSplitsBack(splits, subtaskId);
        }

        @Override
        public void addReader(int subtaskId) {
            delegate.addReader(subtaskId);
            ctx.signalNoMoreSplits(subtaskId);
        }

        @Override
        public EnumT snapshotState(long checkpointId) throws Exception {
            return delegate.snapshotState(checkpointId);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            delegate.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }
}
