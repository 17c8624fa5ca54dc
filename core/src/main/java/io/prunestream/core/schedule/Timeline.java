package io.prunestream.core.schedule;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The iterations at which a schedule changes phase, derived from its configuration. Iterations
 * count training steps from 0. A value of -1 means the phase never happens.
 *
 * @param regularizeStart first REGULARIZE iteration (and the GReg-1 pick)
 * @param growthUpdates GReg-1: updates until lambda exceeds tau; GReg-2: push updates
 * @param pickUpdates GReg-2: uniform updates until lambda reaches tau'
 * @param pickIteration GReg-2's PICK iteration
 * @param stabilizeStart first STABILIZE iteration
 * @param pruneIteration the PRUNE iteration; FINETUNE follows
 */
public record Timeline(
        long regularizeStart,
        long growthUpdates,
        long pickUpdates,
        long pickIteration,
        long stabilizeStart,
        long pruneIteration) {

    public static Timeline of(ScheduleConfig c) {
        long w = c.warmupIterations();
        long ku = c.updateInterval();
        return switch (c.method()) {
            case NONE -> new Timeline(-1, 0, 0, -1, -1, -1);
            case ONESHOT_L1 -> new Timeline(-1, 0, 0, -1, -1, w);
            case GREG1 -> {
                long n = updatesToExceed(BigDecimal.ZERO, c.deltaLambda(), c.lambdaCeiling());
                long stab = w + n * ku;
                yield new Timeline(w, n, 0, -1, stab, stab + c.stabilizeIterations());
            }
            case GREG2 -> {
                long nPick = updatesToReach(c.deltaLambdaPick(), c.lambdaCeilingPick());
                long pick = w + nPick * ku;
                BigDecimal base = dec(c.deltaLambdaPick()).multiply(BigDecimal.valueOf(nPick));
                long j = updatesToExceed(base, c.deltaLambda(), c.lambdaCeiling());
                long stab = pick + (j + 1) * ku;
                yield new Timeline(w, j, nPick, pick, stab, stab + c.stabilizeIterations());
            }
        };
    }

    /** Smallest n >= 1 with base + n*delta > ceiling. */
    static long updatesToExceed(BigDecimal base, double delta, double ceiling) {
        BigDecimal room = dec(ceiling).subtract(base);
        if (room.signum() < 0) {
            return 1;
        }
        return room.divide(dec(delta), 0, RoundingMode.FLOOR).longValueExact() + 1;
    }

    /** Smallest n >= 1 with n*delta >= ceiling. */
    static long updatesToReach(double delta, double ceiling) {
        return Math.max(
                1, dec(ceiling).divide(dec(delta), 0, RoundingMode.CEILING).longValueExact());
    }

    static BigDecimal dec(double v) {
        return BigDecimal.valueOf(v);
    }
}
