package io.prunestream.core.nn;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * The optimizer of a network: {@code sgd} (momentum 0 gives plain SGD, otherwise DL4J's Nesterov
 * momentum) or {@code adam}; weight decay is an L2 term added to the gradient before the update, as
 * PyTorch's SGD does.
 */
public record OptimizerSpec(
        Optimizer type, double learningRate, double momentum, double weightDecay)
        implements java.io.Serializable {

    public OptimizerSpec {
        java.util.Objects.requireNonNull(type, "optimizer type");
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        if (momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (weightDecay < 0) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
    }

    /** SGD with momentum 0.9, the method's setting. */
    public static OptimizerSpec sgd(double lr, double weightDecay) {
        return new OptimizerSpec(Optimizer.SGD, lr, 0.9, weightDecay);
    }

    public static OptimizerSpec adam(double lr) {
        return new OptimizerSpec(Optimizer.ADAM, lr, 0, 0);
    }

    public IUpdater toUpdater() {
        if (type == Optimizer.ADAM) {
            return new Adam(learningRate);
        }
        return momentum == 0 ? new Sgd(learningRate) : new Nesterovs(learningRate, momentum);
    }
}
