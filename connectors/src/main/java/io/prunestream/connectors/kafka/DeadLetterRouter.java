package io.prunestream.connectors.kafka;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Splits ingested records: accepted records (their batch with its partition and offset) go to the
 * main output, dead letters to the side output {@link #DEAD_LETTERS}. An {@link IngestObserver}
 * hears about each record (the job counts them in its metrics there; the router keeps no counters
 * of its own, so nothing is counted twice).
 *
 * <pre>{@code
 * SingleOutputStreamOperator<IngestedRecord> accepted =
 *         records.process(new DeadLetterRouter(observer));
 * accepted.getSideOutput(DeadLetterRouter.DEAD_LETTERS).sinkTo(deadLetterSink);
 * }</pre>
 */
public final class DeadLetterRouter extends ProcessFunction<IngestedRecord, IngestedRecord> {
    private static final long serialVersionUID = 1L;

    /** The side output of rejected records. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", ConnectorTypes.DEAD_LETTER);

    private final IngestObserver observer;

    public DeadLetterRouter() {
        this(IngestObserver.NONE);
    }

    /** A router that also tells {@code observer} about every record. */
    public DeadLetterRouter(IngestObserver observer) {
        this.observer = observer;
    }

    @Override
    public void open(OpenContext openContext) {
        observer.open();
    }

    @Override
    public void processElement(IngestedRecord r, Context ctx, Collector<IngestedRecord> out) {
        if (r.isAccepted()) {
            observer.accepted(r.batch().count());
            out.collect(r);
        } else {
            observer.rejected(r.deadLetter());
            ctx.output(DEAD_LETTERS, r.deadLetter());
        }
    }

    @Override
    public void close() {
        observer.close();
    }
}
