package io.prunestream.monitoring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PrometheusMeterRegistry} served over HTTP at {@code /metrics} (text format 0.0.4) by the
 * JDK's {@link HttpServer}.
 *
 * <p>In a Flink job use {@link #acquire}: every operator instance in the JVM gets a {@link Lease}
 * on the same registry and endpoint, and the last {@link Lease#close()} stops it.
 *
 * <pre>{@code
 * // RichFunction.open(OpenContext):
 * lease = MetricsEndpoint.acquire(EndpointSettings.fromMap(config.toMap()));
 * metrics = new TrainingMetrics();
 * metrics.bindTo(lease.registry());
 * // close():
 * metrics.close();
 * lease.close();
 * }</pre>
 *
 * <p>{@link #start} makes a private endpoint with its own registry (tests, tools).
 *
 * <p>Long because it owns the HTTP server's whole life: binding with conflict handling, the shared
 * per-JVM lease, serving and shutdown.
 */
public final class MetricsEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MetricsEndpoint.class);
    static final String CONTENT_TYPE_004 = "text/plain; version=0.0.4; charset=utf-8";

    // The one shared endpoint of this JVM. A static holder is right here because a TCP port and
    // the registry behind it are per-process resources that every operator instance (several
    // slots, several operators) must share; it holds no training state, so checkpoints, restores
    // and rescaling are unaffected by it.
    private static final Object SHARED_LOCK = new Object();
    private static MetricsEndpoint shared;
    private static int sharedLeases;

    private final PrometheusMeterRegistry registry;
    private final HttpServer server;
    private final ExecutorService executor;
    private final EndpointSettings settings;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MetricsEndpoint(EndpointSettings settings) {
        this.settings = settings;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try {
            this.server = bind(settings);
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
        this.executor =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "prunestream-metrics-http");
                            t.setDaemon(true); // never keeps a finished TaskManager alive
                            return t;
                        });
        server.setExecutor(executor);
        server.createContext("/metrics", this::serveMetrics);
        server.createContext("/", MetricsEndpoint::serveRoot);
        server.start();
        LOG.info("prunestream metrics served at {}", url());
    }

    /** Starts a private endpoint with its own registry; close it when done. */
    public static MetricsEndpoint start(EndpointSettings settings) {
        return new MetricsEndpoint(settings);
    }

    /**
     * A lease on this JVM's shared endpoint, started on the first call. Later calls share it; if
     * they ask for different settings, the running endpoint wins and a warning says so (one JVM has
     * one endpoint).
     */
    public static Lease acquire(EndpointSettings settings) {
        synchronized (SHARED_LOCK) {
            if (shared == null) {
                shared = new MetricsEndpoint(settings);
                sharedLeases = 0;
            } else if (!compatible(shared.settings, settings)) {
                LOG.warn(
                        "metrics endpoint already running with {}; ignoring requested {} (one"
                                + " endpoint per JVM)",
                        shared.settings,
                        settings);
            }
            sharedLeases++;
            return new Lease(shared);
        }
    }

    /**
     * For operators: {@link #acquire}, but a port that cannot be had never fails the task (a
     * failing task would restart and meet the same port again). The error is logged in one line and
     * the meters go to a registry nobody scrapes; training goes on.
     */
    public static Lease acquireForTask(EndpointSettings settings) {
        try {
            return acquire(settings);
        } catch (RuntimeException e) {
            LOG.error(
                    "training metrics are not served, the job goes on without them: {}",
                    e.getMessage());
            return new Lease(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        }
    }

    /** Leases now held on the shared endpoint (0 when none runs). */
    static int sharedLeases() {
        synchronized (SHARED_LOCK) {
            return sharedLeases;
        }
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The port actually bound (the chosen one when the settings said 0 or fell back). */
    public int port() {
        return server.getAddress().getPort();
    }

    /** The scrape URL, with 127.0.0.1 in place of a wildcard bind address. */
    public URI url() {
        InetAddress a = server.getAddress().getAddress();
        String host = a.isAnyLocalAddress() ? "127.0.0.1" : a.getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port() + "/metrics");
    }

    public EndpointSettings settings() {
        return settings;
    }

    /** Stops the server and closes the registry. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.stop(0);
            executor.shutdownNow();
            registry.close();
            LOG.info("prunestream metrics endpoint on port {} stopped", port());
        }
    }

    private static boolean compatible(EndpointSettings running, EndpointSettings asked) {
        return running.bindAddress().equals(asked.bindAddress())
                && (asked.port() == 0 || asked.port() == running.port());
    }

    private static HttpServer bind(EndpointSettings s) {
        InetAddress address;
        try {
            address = InetAddress.getByName(s.bindAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "%s='%s' does not resolve to an address of this host; use e.g."
                                    + " 0.0.0.0 or 127.0.0.1",
                            EndpointSettings.BIND_ADDRESS_KEY,
                            s.bindAddress()),
                    e);
        }
        try {
            return HttpServer.create(new InetSocketAddress(address, s.port()), 0);
        } catch (BindException e) {
            if (s.port() != 0 && s.portConflict() == PortConflict.FALLBACK) {
                try {
                    HttpServer server = HttpServer.create(new InetSocketAddress(address, 0), 0);
                    LOG.warn(
                            "metrics port {} on {} is in use; fell back to free port {} ({}=FALLBACK)",
                            s.port(),
                            s.bindAddress(),
                            server.getAddress().getPort(),
                            EndpointSettings.PORT_CONFLICT_KEY);
                    return server;
                } catch (IOException again) {
                    throw new UncheckedIOException(
                            "no free port on " + s.bindAddress() + " for the metrics endpoint",
                            again);
                }
            }
            throw new IllegalStateException(
                    String.format(
                            Locale.ROOT,
                            "Metrics port %d on %s is already in use (%s): set %s to a free port,"
                                    + " to 0 for any free port, or %s=FALLBACK to fall back to"
                                    + " a free port",
                            s.port(),
                            s.bindAddress(),
                            e.getMessage(),
                            EndpointSettings.PORT_KEY,
                            EndpointSettings.PORT_CONFLICT_KEY),
                    e);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    String.format(
                            Locale.ROOT,
                            "cannot open the metrics endpoint on %s:%d (%s, %s): %s",
                            s.bindAddress(),
                            s.port(),
                            EndpointSettings.BIND_ADDRESS_KEY,
                            EndpointSettings.PORT_KEY,
                            e.getMessage()),
                    e);
        }
    }

    private void serveMetrics(HttpExchange ex) throws IOException {
        try (ex) {
            if (!allowed(ex)) {
                return;
            }
            if (!"/metrics".equals(ex.getRequestURI().getPath())) {
                send(ex, 404, "text/plain; charset=utf-8", "not found; try /metrics\n");
                return;
            }
            String body;
            try {
                body = registry.scrape();
            } catch (RuntimeException e) {
                LOG.warn("metrics scrape failed", e);
                send(ex, 500, "text/plain; charset=utf-8", "scrape failed: " + e + "\n");
                return;
            }
            send(ex, 200, CONTENT_TYPE_004, body);
        }
    }

    private static void serveRoot(HttpExchange ex) throws IOException {
        try (ex) {
            if (!allowed(ex)) {
                return;
            }
            if (!"/".equals(ex.getRequestURI().getPath())) {
                send(ex, 404, "text/plain; charset=utf-8", "not found; try /metrics\n");
                return;
            }
            ex.getResponseHeaders().set("Location", "/metrics");
            send(
                    ex,
                    302,
                    "text/plain; charset=utf-8",
                    "prunestream metrics: Prometheus scrapes /metrics\n");
        }
    }

    private static boolean allowed(HttpExchange ex) throws IOException {
        String m = ex.getRequestMethod();
        if ("GET".equals(m) || "HEAD".equals(m)) {
            return true;
        }
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        send(ex, 405, "text/plain; charset=utf-8", "use GET\n");
        return false;
    }

    private static void send(HttpExchange ex, int status, String contentType, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /**
     * One holder's share of the JVM's endpoint. Closing it is idempotent; the endpoint stops when
     * the last lease closes.
     */
    public static final class Lease implements AutoCloseable {
        private final MetricsEndpoint endpoint;
        private final PrometheusMeterRegistry detached;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(MetricsEndpoint endpoint) {
            this.endpoint = endpoint;
            this.detached = null;
        }

        private Lease(PrometheusMeterRegistry detached) {
            this.endpoint = null;
            this.detached = detached;
        }

        public PrometheusMeterRegistry registry() {
            return endpoint != null ? endpoint.registry() : detached;
        }

        /** Whether the registry is served over HTTP (false: the port could not be had). */
        public boolean served() {
            return endpoint != null;
        }

        public int port() {
            return endpoint != null ? endpoint.port() : -1;
        }

        public URI url() {
            return endpoint != null ? endpoint.url() : null;
        }

        @Override
        public void close() {
            if (!released.compareAndSet(false, true)) {
                return;
            }
            if (endpoint == null) {
                detached.close();
                return;
            }
            synchronized (SHARED_LOCK) {
                if (shared == endpoint && --sharedLeases == 0) {
                    shared = null;
                    endpoint.close();
                }
            }
        }
    }
}
