package io.prunestream.core.train;

import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.prune.PrunePlan;
import io.prunestream.core.state.Codec;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link PruningTrainer} needs to continue exactly: its counters, the pruning plans, the
 * base network's cost and the live network with its updater state (DL4J's serialised form).
 *
 * @param steps steps done
 * @param prunedAt iteration of the prune, -1 before
 * @param ratioAtPrune smallest kept/pruned magnitude ratio at the prune
 * @param ratiosAtPrune that ratio per layer
 * @param pickOverlap GReg-2: overlap of the pick with L1 at the start
 * @param plan the pruned groups, once picked
 * @param startPlan GReg-2: what importance picked when regularisation started
 * @param baseCost params and FLOPs of the network the run started from
 * @param graph whether the network is a ComputationGraph
 * @param network the network with its updater state
 */
public record TrainerState(
        long steps,
        long prunedAt,
        double ratioAtPrune,
        Map<String, Double> ratiosAtPrune,
        double pickOverlap,
        PrunePlan plan,
        PrunePlan startPlan,
        NetworkCost baseCost,
        boolean graph,
        byte[] network) {

    /** Binary layout, version 1 (the layout of the first release's trainer snapshot). */
    public static final Codec<TrainerState> CODEC =
            Codec.of("trainer state", 1, 1, TrainerState::write, TrainerState::read);

    private static void write(TrainerState s, DataOutput out) throws IOException {
        writeHead(s, out);
        Codec.writeBlob(out, s.network);
    }

    /**
     * Writes {@code s} as {@code Codec.writeBlob(out, CODEC.toBytes(s))} does (its length, then the
     * versioned value), without encoding it into an array first: only the fields before the network
     * are, so the network's bytes go to {@code out} as they are, in one write. A checkpoint then
     * copies the network once on its way to the state backend's stream.
     */
    public static void writeBlob(DataOutput out, TrainerState s) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(1024);
        try (DataOutputStream h = new DataOutputStream(head)) {
            h.writeByte(CODEC.version());
            writeHead(s, h);
        }
        int network = s.network == null ? 0 : s.network.length;
        out.writeInt(head.size() + 4 + network);
        out.write(head.toByteArray());
        Codec.writeBlob(out, s.network);
    }

    /**
     * Reads what {@link #writeBlob} (or {@code Codec.writeBlob} of {@code CODEC.toBytes}) wrote.
     */
    public static TrainerState readBlob(DataInput in) throws IOException {
        if (in.readInt() < 0) {
            throw new IOException("trainer state missing from the run state");
        }
        return CODEC.readVersioned(in); // self-delimiting: reads exactly the blob's bytes
    }

    /** Every field but the network, which comes last. */
    private static void writeHead(TrainerState s, DataOutput out) throws IOException {
        out.writeLong(s.steps);
        out.writeLong(s.prunedAt);
        out.writeDouble(s.ratioAtPrune);
        out.writeInt(s.ratiosAtPrune.size());
        for (Map.Entry<String, Double> e : s.ratiosAtPrune.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeDouble(e.getValue());
        }
        out.writeDouble(s.pickOverlap);
        Codec.writeBlob(out, s.plan == null ? null : PrunePlan.CODEC.toBytes(s.plan));
        Codec.writeBlob(out, s.startPlan == null ? null : PrunePlan.CODEC.toBytes(s.startPlan));
        s.baseCost.writeTo(out);
        out.writeBoolean(s.graph);
    }

    private static TrainerState read(DataInput in, int version) throws IOException {
        long steps = in.readLong();
        long prunedAt = in.readLong();
        double ratio = in.readDouble();
        Map<String, Double> ratios = new LinkedHashMap<>();
        for (int i = in.readInt(); i > 0; i--) {
            ratios.put(in.readUTF(), in.readDouble());
        }
        double overlap = in.readDouble();
        byte[] plan = Codec.readBlob(in);
        byte[] startPlan = Codec.readBlob(in);
        NetworkCost base = NetworkCost.readFrom(in);
        boolean graph = in.readBoolean();
        return new TrainerState(
                steps,
                prunedAt,
                ratio,
                ratios,
                overlap,
                plan == null ? null : PrunePlan.CODEC.fromBytes(plan),
                startPlan == null ? null : PrunePlan.CODEC.fromBytes(startPlan),
                base,
                graph,
                Codec.readBlob(in));
    }
}
