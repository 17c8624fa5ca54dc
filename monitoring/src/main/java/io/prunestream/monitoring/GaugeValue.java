package io.prunestream.monitoring;

/**
 * The state behind one gauge. Micrometer keeps only a weak reference to a gauge's state object, so
 * binders hold these strongly (and register them with {@code strongReference(true)}).
 */
final class GaugeValue {
    private volatile double value;

    GaugeValue(double initial) {
        this.value = initial;
    }

    void set(double v) {
        value = v;
    }

    double get() {
        return value;
    }
}
