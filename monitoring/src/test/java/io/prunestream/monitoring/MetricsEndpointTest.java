package io.prunestream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final EndpointSettings LOOPBACK_ANY_PORT =
            EndpointSettings.builder().bindAddress("127.0.0.1").port(0).build();

    private static HttpResponse<String> get(URI uri, String method) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(uri)
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheRegistryAtMetrics() throws Exception {
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(LOOPBACK_ANY_PORT)) {
            assertThat(endpoint.port()).isPositive();
            Counter.builder("prunestream.test.hits").register(endpoint.registry()).increment(3);

            HttpResponse<String> r = get(endpoint.url(), "GET");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type"))
                    .hasValue(MetricsEndpoint.CONTENT_TYPE_004);
            assertThat(r.body()).contains("prunestream_test_hits_total 3.0");

            URI base = endpoint.url().resolve("/");
            HttpResponse<String> root = get(base, "GET"); // the client does not follow redirects
            assertThat(root.statusCode()).isEqualTo(302);
            assertThat(root.headers().firstValue("Location")).hasValue("/metrics");
            assertThat(get(base.resolve("/nope"), "GET").statusCode()).isEqualTo(404);
            assertThat(get(endpoint.url(), "POST").statusCode()).isEqualTo(405);
            assertThat(get(endpoint.url(), "HEAD").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aTakenPortFailsWithTheSettingToChange() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            EndpointSettings s =
                    EndpointSettings.builder().bindAddress("127.0.0.1").port(port).build();
            assertThatThrownBy(() -> MetricsEndpoint.start(s))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Metrics port " + port)
                    .hasMessageContaining("prune.metrics.port")
                    .hasMessageContaining("prune.metrics.port-conflict=FALLBACK");
        }
    }

    @Test
    void aTakenPortFallsBackWhenAsked() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            EndpointSettings s =
                    EndpointSettings.builder()
                            .bindAddress("127.0.0.1")
                            .port(taken.getLocalPort())
                            .portConflict(PortConflict.FALLBACK)
                            .build();
            try (MetricsEndpoint endpoint = MetricsEndpoint.start(s)) {
                assertThat(endpoint.port()).isNotEqualTo(taken.getLocalPort()).isPositive();
                assertThat(get(endpoint.url(), "GET").statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void operatorsInOneJvmShareOneEndpointUntilTheLastLeaseCloses() throws Exception {
        MetricsEndpoint.Lease a = MetricsEndpoint.acquire(LOOPBACK_ANY_PORT);
        MetricsEndpoint.Lease b = MetricsEndpoint.acquire(LOOPBACK_ANY_PORT);
        assertThat(b.registry()).isSameAs(a.registry());
        assertThat(b.port()).isEqualTo(a.port());
        assertThat(MetricsEndpoint.sharedLeases()).isEqualTo(2);

        a.close();
        a.close(); // idempotent: must not release b's share
        assertThat(MetricsEndpoint.sharedLeases()).isEqualTo(1);
        assertThat(get(b.url(), "GET").statusCode()).isEqualTo(200);

        URI url = b.url();
        b.close();
        assertThat(MetricsEndpoint.sharedLeases()).isZero();
        assertThatThrownBy(() -> get(url, "GET")).isInstanceOf(java.io.IOException.class);

        // A new lease after the last one closed starts a fresh endpoint and registry.
        try (MetricsEndpoint.Lease c = MetricsEndpoint.acquire(LOOPBACK_ANY_PORT)) {
            assertThat(c.registry()).isNotSameAs(a.registry());
            assertThat(get(c.url(), "GET").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void settingsErrorsNameKeyValueAndFix() {
        assertThatThrownBy(() -> EndpointSettings.fromMap(Map.of("prune.metrics.port", "http")))
                .hasMessageContaining("prune.metrics.port='http' is not a number")
                .hasMessageContaining("0 for any free port");
        assertThatThrownBy(() -> EndpointSettings.builder().port(70000).build())
                .hasMessageContaining("prune.metrics.port=70000")
                .hasMessageContaining("1..65535");
        assertThatThrownBy(
                        () ->
                                EndpointSettings.fromMap(
                                        Map.of("prune.metrics.port-conflict", "retry")))
                .hasMessageContaining("prune.metrics.port-conflict='retry'")
                .hasMessageContaining("FAIL or FALLBACK");
        assertThatThrownBy(
                        () ->
                                MetricsEndpoint.start(
                                        EndpointSettings.builder()
                                                .bindAddress("no-such-host.invalid")
                                                .port(0)
                                                .build()))
                .hasMessageContaining("prune.metrics.bind-address='no-such-host.invalid'");

        EndpointSettings s =
                EndpointSettings.fromMap(
                        Map.of(
                                "prune.metrics.port", " 0 ",
                                "prune.metrics.bind-address", "127.0.0.1",
                                "prune.metrics.port-conflict", "fallback"));
        assertThat(s).isEqualTo(new EndpointSettings("127.0.0.1", 0, PortConflict.FALLBACK));
        assertThat(EndpointSettings.fromMap(Map.of())).isEqualTo(EndpointSettings.defaults());
    }
}
