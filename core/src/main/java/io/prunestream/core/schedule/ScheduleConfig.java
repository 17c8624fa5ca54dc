package io.prunestream.core.schedule;

import java.util.Objects;

/**
 * Every parameter of the penalty schedule. Defaults are the authors' ({@code option.py}, tuned for
 * ImageNet); short runs need a larger learning-rate x ceiling product, see the README.
 *
 * @param method how the run prunes
 * @param warmupIterations plain training before the schedule starts
 * @param updateInterval K_u: iterations between penalty updates
 * @param deltaLambda delta-lambda: growth per update on pruned groups
 * @param lambdaCeiling tau: growth stops once lambda exceeds it
 * @param stabilizeIterations K_s: iterations with frozen penalties before pruning
 * @param deltaLambdaPick GReg-2 uniform growth per update
 * @param lambdaCeilingPick tau': GReg-2 picks once the uniform lambda reaches it
 * @param lambdaRecover GReg-2 lambda of kept groups after the pick (negative lets them recover)
 */
public record ScheduleConfig(
        PruningMethod method,
        long warmupIterations,
        int updateInterval,
        double deltaLambda,
        double lambdaCeiling,
        long stabilizeIterations,
        double deltaLambdaPick,
        double lambdaCeilingPick,
        double lambdaRecover) {

    public ScheduleConfig {
        Objects.requireNonNull(method, "method");
        check(warmupIterations >= 0, "warmup iterations", warmupIterations, "use 0 or more");
        check(updateInterval >= 1, "update interval K_u", updateInterval, "use 1 or more");
        check(deltaLambda > 0, "delta-lambda", deltaLambda, "use a positive value such as 1e-4");
        check(lambdaCeiling > 0, "lambda ceiling tau", lambdaCeiling, "use a positive value");
        check(
                stabilizeIterations >= 0,
                "stabilize iterations K_s",
                stabilizeIterations,
                "use 0 or more");
        if (method == PruningMethod.GREG2) {
            check(
                    deltaLambdaPick > 0,
                    "GReg-2 pick delta-lambda",
                    deltaLambdaPick,
                    "use a positive value such as 1e-5");
            check(
                    lambdaCeilingPick > 0 && lambdaCeilingPick < lambdaCeiling,
                    "GReg-2 pick ceiling tau'",
                    lambdaCeilingPick,
                    "use a value in (0, tau=" + lambdaCeiling + ")");
        }
    }

    private static void check(boolean ok, String field, Object value, String fix) {
        if (!ok) {
            throw new IllegalArgumentException(
                    "invalid " + field + ": " + value + " (" + fix + ")");
        }
    }

    /** The authors' defaults for the given method. */
    public static ScheduleConfig defaults(PruningMethod method) {
        return builder(method).build();
    }

    public static Builder builder(PruningMethod method) {
        return new Builder(method);
    }

    public Builder toBuilder() {
        return new Builder(method)
                .warmupIterations(warmupIterations)
                .updateInterval(updateInterval)
                .deltaLambda(deltaLambda)
                .lambdaCeiling(lambdaCeiling)
                .stabilizeIterations(stabilizeIterations)
                .deltaLambdaPick(deltaLambdaPick)
                .lambdaCeilingPick(lambdaCeilingPick)
                .lambdaRecover(lambdaRecover);
    }

    /** Builder with the authors' defaults. */
    public static final class Builder {
        private PruningMethod method;
        private long warmupIterations = 0;
        private int updateInterval = 5;
        private double deltaLambda = 1e-4;
        private double lambdaCeiling = 1.0;
        private long stabilizeIterations = 40_000;
        private double deltaLambdaPick = 1e-5;
        private double lambdaCeilingPick = 1e-2;
        private double lambdaRecover = -1e-4;

        private Builder(PruningMethod method) {
            this.method = method;
        }

        public Builder method(PruningMethod v) {
            method = v;
            return this;
        }

        public Builder warmupIterations(long v) {
            warmupIterations = v;
            return this;
        }

        public Builder updateInterval(int v) {
            updateInterval = v;
            return this;
        }

        public Builder deltaLambda(double v) {
            deltaLambda = v;
            return this;
        }

        public Builder lambdaCeiling(double v) {
            lambdaCeiling = v;
            return this;
        }

        public Builder stabilizeIterations(long v) {
            stabilizeIterations = v;
            return this;
        }

        public Builder deltaLambdaPick(double v) {
            deltaLambdaPick = v;
            return this;
        }

        public Builder lambdaCeilingPick(double v) {
            lambdaCeilingPick = v;
            return this;
        }

        public Builder lambdaRecover(double v) {
            lambdaRecover = v;
            return this;
        }

        public ScheduleConfig build() {
            return new ScheduleConfig(
                    method,
                    warmupIterations,
                    updateInterval,
                    deltaLambda,
                    lambdaCeiling,
                    stabilizeIterations,
                    deltaLambdaPick,
                    lambdaCeilingPick,
                    lambdaRecover);
        }
    }
}
