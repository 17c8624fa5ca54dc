package io.prunestream.monitoring;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Where {@link MetricsEndpoint} listens. The job reads these from its configuration under the keys
 * below (see {@link #fromMap}); errors name the key, the value and what to write instead.
 *
 * <pre>{@code
 * EndpointSettings s = EndpointSettings.builder()
 *         .bindAddress("0.0.0.0")
 *         .port(9464)
 *         .portConflict(PortConflict.FAIL)
 *         .build();
 * }</pre>
 *
 * @param bindAddress host name or IP to bind, e.g. {@code 0.0.0.0} in a pod, {@code 127.0.0.1}
 *     locally
 * @param port TCP port; 0 lets the OS pick a free one
 * @param portConflict what to do when the port is taken
 */
public record EndpointSettings(String bindAddress, int port, PortConflict portConflict)
        implements java.io.Serializable {

    /** Configuration key of {@link #port}. */
    public static final String PORT_KEY = "prune.metrics.port";

    /** Configuration key of {@link #bindAddress}. */
    public static final String BIND_ADDRESS_KEY = "prune.metrics.bind-address";

    /** Configuration key of {@link #portConflict}. */
    public static final String PORT_CONFLICT_KEY = "prune.metrics.port-conflict";

    /**
     * Default port: off Flink's Prometheus reporter's usual 9249-9250 so both can run in one
     * TaskManager.
     */
    public static final int DEFAULT_PORT = 9464;

    public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";

    public EndpointSettings {
        if (bindAddress == null || bindAddress.isBlank()) {
            throw new IllegalArgumentException(
                    BIND_ADDRESS_KEY
                            + " is empty; set it to an address of this host, e.g. 0.0.0.0 (all"
                            + " interfaces) or 127.0.0.1 (local only)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "%s=%d is not a TCP port; use 1..65535, or 0 for any free port",
                            PORT_KEY,
                            port));
        }
        Objects.requireNonNull(portConflict, PORT_CONFLICT_KEY + " is null; use FAIL or FALLBACK");
    }

    /** 0.0.0.0:{@value #DEFAULT_PORT}, failing on a taken port. */
    public static EndpointSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads {@value #PORT_KEY}, {@value #BIND_ADDRESS_KEY} and {@value #PORT_CONFLICT_KEY} from a
     * flat configuration map (e.g. Flink's {@code Configuration.toMap()}); missing keys take their
     * defaults.
     */
    public static EndpointSettings fromMap(Map<String, String> config) {
        Builder b = builder();
        String port = config.get(PORT_KEY);
        if (port != null) {
            try {
                b.port(Integer.parseInt(port.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        String.format(
                                Locale.ROOT,
                                "%s='%s' is not a number; use a port such as %d, or 0 for any"
                                        + " free port",
                                PORT_KEY,
                                port,
                                DEFAULT_PORT),
                        e);
            }
        }
        String address = config.get(BIND_ADDRESS_KEY);
        if (address != null) {
            b.bindAddress(address.strip());
        }
        String conflict = config.get(PORT_CONFLICT_KEY);
        if (conflict != null) {
            try {
                b.portConflict(PortConflict.valueOf(conflict.strip().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        String.format(
                                Locale.ROOT,
                                "%s='%s' is not known; use FAIL or FALLBACK",
                                PORT_CONFLICT_KEY,
                                conflict),
                        e);
            }
        }
        return b.build();
    }

    /** Builder for {@link EndpointSettings}; validation happens in {@link #build()}. */
    public static final class Builder {
        private String bindAddress = DEFAULT_BIND_ADDRESS;
        private int port = DEFAULT_PORT;
        private PortConflict portConflict = PortConflict.FAIL;

        private Builder() {}

        public Builder bindAddress(String bindAddress) {
            this.bindAddress = bindAddress;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder portConflict(PortConflict portConflict) {
            this.portConflict = portConflict;
            return this;
        }

        public EndpointSettings build() {
            return new EndpointSettings(bindAddress, port, portConflict);
        }
    }
}
