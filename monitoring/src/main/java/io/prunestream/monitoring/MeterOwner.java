package io.prunestream.monitoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Registers meters from the {@link PrunestreamMetric} catalogue and remembers them, so that a
 * binder can remove exactly the meters it made (and not a same-named meter that a newer binder,
 * e.g. after a Flink restart in the same JVM, registered since).
 */
final class MeterOwner {
    private final MeterRegistry registry;
    private final List<Meter> owned = new ArrayList<>();

    MeterOwner(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The owner of a binder's meters in {@code registry}, after binding its failure counter there.
     *
     * @param current the binder's owner so far: it must be null, a binder binds once
     * @param binder the binder's class name, for the message
     */
    static MeterOwner bindOnce(
            MeterOwner current, MeterRegistry registry, RecordingFailures failures, String binder) {
        Objects.requireNonNull(registry, "registry");
        if (current != null) {
            throw new IllegalStateException(
                    "This " + binder + " is already bound; create one " + binder + " per registry");
        }
        failures.bindTo(registry);
        return new MeterOwner(registry);
    }

    Counter counter(PrunestreamMetric m, Tags tags) {
        return keep(
                Counter.builder(m.meterName())
                        .description(m.description())
                        .tags(tags)
                        .register(registry));
    }

    Gauge gauge(PrunestreamMetric m, Tags tags, GaugeValue value) {
        return keep(
                Gauge.builder(m.meterName(), value, GaugeValue::get)
                        .description(m.description())
                        .tags(tags)
                        .strongReference(true)
                        .register(registry));
    }

    Timer timer(PrunestreamMetric m, Tags tags) {
        return keep(
                Timer.builder(m.meterName())
                        .description(m.description())
                        .tags(tags)
                        .register(registry));
    }

    /** Removes one meter this owner registered, if the registry still holds that very meter. */
    void remove(Meter meter) {
        owned.removeIf(m -> m == meter);
        Meter current =
                registry.find(meter.getId().getName()).tags(meter.getId().getTags()).meter();
        if (current == meter) {
            registry.remove(meter);
        }
    }

    void removeAll() {
        for (Meter m : List.copyOf(owned)) {
            remove(m);
        }
    }

    private <M extends Meter> M keep(M meter) {
        owned.add(meter);
        return meter;
    }
}
