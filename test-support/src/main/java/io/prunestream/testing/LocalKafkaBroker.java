package io.prunestream.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) started as a child
 * JVM on loopback, for tests and the local demo. Its class path is this JVM's, which must hold
 * {@code org.apache.kafka:kafka_2.13}.
 *
 * <pre>{@code
 * try (LocalKafkaBroker kafka = LocalKafkaBroker.start(Path.of("target/kafka"))) {
 *     kafka.createTopic("fashion-mnist", 2);
 *     String bootstrap = kafka.bootstrapServers(); // 127.0.0.1:<free port>
 * }
 * }</pre>
 *
 * <p>The broker logs to {@code broker.log} in the work dir. It stops on {@link #close()}, on this
 * JVM's exit (a shutdown hook), and when this JVM dies without running hooks (the child exits when
 * its stdin, a pipe from this JVM, closes).
 *
 * <p>Long because a real broker as a child process needs its whole life handled: formatting, ports,
 * class path, start-up checks with the log's tail, topics, stop and restart.
 */
public final class LocalKafkaBroker implements AutoCloseable {
    /** How long {@link #start(Path)} waits for the broker to answer. */
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(90);

    private static final String KAFKA_MAIN = "kafka.Kafka";
    private static final int LOG_TAIL_LINES = 40;

    private Process process;
    private final String bootstrapServers;
    private final Path dataDir;
    private final Path logFile;
    private final Admin admin;
    private final Thread shutdownHook;
    private boolean closed;

    private LocalKafkaBroker(
            Process process,
            String bootstrapServers,
            Path dataDir,
            Path logFile,
            Admin admin,
            Thread shutdownHook) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.admin = admin;
        this.shutdownHook = shutdownHook;
    }

    /** Starts a broker keeping its files in {@code workDir}; see {@link #start(Path, Duration)}. */
    public static LocalKafkaBroker start(Path workDir) throws IOException {
        return start(workDir, DEFAULT_START_TIMEOUT);
    }

    /**
     * Formats a fresh log directory under {@code workDir} (wiping an old one), starts the broker
     * and waits until an admin client sees the cluster.
     *
     * @throws IllegalStateException when kafka_2.13 is not on the class path, or the broker does
     *     not come up within {@code timeout} (the message holds the tail of the broker log)
     */
    public static LocalKafkaBroker start(Path workDir, Duration timeout) throws IOException {
        return start(workDir, timeout, Map.of());
    }

    /**
     * {@link #start(Path, Duration)} with extra broker settings appended to {@code
     * server.properties}, e.g. {@code authorizer.class.name} or {@code message.max.bytes}.
     */
    public static LocalKafkaBroker start(
            Path workDir, Duration timeout, Map<String, String> serverProperties)
            throws IOException {
        checkKafkaOnClassPath(LocalKafkaBroker.class.getClassLoader());
        workDir = workDir.toAbsolutePath();
        Files.createDirectories(workDir);
        Path dataDir = workDir.resolve("kafka-data");
        LocalFiles.deleteTree(dataDir);
        Path logFile = workDir.resolve("broker.log");
        Files.deleteIfExists(logFile);
        int[] ports = freePorts(2);
        int brokerPort = ports[0];
        int controllerPort = ports[1];
        Path config = workDir.resolve("server.properties");
        StringBuilder extra = new StringBuilder();
        serverProperties.forEach((k, v) -> extra.append(k).append('=').append(v).append('\n'));
        Files.writeString(config, serverProperties(brokerPort, controllerPort, dataDir) + extra);
        Path classPath = workDir.resolve("classpath.args");
        Files.writeString(classPath, classPathArgFile());

        long deadline = System.nanoTime() + timeout.toNanos();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process format =
                new ProcessBuilder(
                                java,
                                "-Xmx256m",
                                "-XX:+UseSerialGC",
                                // formatting runs for a second: compiling with C2 only slows it
                                "-XX:TieredStopAtLevel=1",
                                "@" + classPath,
                                "kafka.tools.StorageTool",
                                "format",
                                "--standalone",
                                "-t",
                                Uuid.randomUuid().toString(),
                                "-c",
                                config.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                        .start();
        int formatExit = waitFor(format, deadline);
        if (formatExit != 0) {
            throw new IllegalStateException(
                    "formatting the Kafka log directory "
                            + dataDir
                            + " failed (exit "
                            + formatExit
                            + "); "
                            + logFile
                            + " ends with:\n"
                            + LocalFiles.tail(logFile, LOG_TAIL_LINES));
        }

        Process broker = startBroker(workDir, logFile);
        Thread hook = new Thread(() -> stop(broker), "stop local Kafka broker");
        Runtime.getRuntime().addShutdownHook(hook);
        String bootstrap = "127.0.0.1:" + brokerPort;
        Admin admin = null;
        try {
            awaitPort(brokerPort, broker, deadline, timeout, logFile);
            admin =
                    Admin.create(
                            Map.of(
                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000));
            awaitCluster(admin, broker, deadline, timeout, logFile);
            return new LocalKafkaBroker(broker, bootstrap, dataDir, logFile, admin, hook);
        } catch (RuntimeException | Error e) {
            if (admin != null) {
                admin.close(Duration.ofSeconds(2));
            }
            stop(broker);
            removeHook(hook);
            throw e;
        }
    }

    /**
     * Runs a broker until Ctrl-C: {@code LocalKafkaBroker [workDir] [topic:partitions ...]}; the
     * work dir defaults to {@code target/local-kafka}.
     */
    public static void main(String[] args) throws Exception {
        Path workDir = Path.of(args.length > 0 ? args[0] : "target/local-kafka");
        LocalKafkaBroker kafka = start(workDir);
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "close local Kafka"));
        for (int i = 1; i < args.length; i++) {
            int colon = args[i].lastIndexOf(':');
            String topic = colon < 0 ? args[i] : args[i].substring(0, colon);
            int partitions = colon < 0 ? 1 : Integer.parseInt(args[i].substring(colon + 1));
            kafka.createTopic(topic, partitions);
            System.out.println("created topic " + topic + " with " + partitions + " partitions");
        }
        System.out.println(
                "Kafka is running at "
                        + kafka.bootstrapServers()
                        + " (log: "
                        + kafka.logFile()
                        + "); Ctrl-C stops it");
        kafka.process.waitFor();
    }

    /**
     * Stops the broker process (SIGTERM, then SIGKILL after 20 s) and keeps its data: a broker
     * outage, ended by {@link #restart()}.
     */
    public synchronized void stopProcess() {
        stop(process);
    }

    /** The broker JVM on the files {@code start} wrote into {@code workDir}. */
    private static Process startBroker(Path workDir, Path logFile) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-Xmx512m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-Djava.awt.headless=true",
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                        "@" + workDir.resolve("classpath.args"),
                        ChildJvm.Main.class.getName(),
                        KAFKA_MAIN,
                        workDir.resolve("server.properties").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
    }

    /**
     * Starts the broker process again on the same ports and data (after {@link #stopProcess()}).
     */
    public synchronized void restart() throws IOException {
        if (process.isAlive()) {
            return;
        }
        process = startBroker(dataDir.getParent(), logFile);
        long deadline = System.nanoTime() + DEFAULT_START_TIMEOUT.toNanos();
        int port =
                Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
        awaitPort(port, process, deadline, DEFAULT_START_TIMEOUT, logFile);
        awaitCluster(admin, process, deadline, DEFAULT_START_TIMEOUT, logFile);
    }

    /** An admin client on this broker (closed by {@link #close()}), e.g. to set ACLs. */
    public Admin admin() {
        return admin;
    }

    /** {@code host:port} for Kafka clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Whether the broker process is alive. */
    public boolean isRunning() {
        return process.isAlive();
    }

    /** The broker's log (stdout and stderr of both child JVMs). */
    public Path logFile() {
        return logFile;
    }

    /** Creates {@code name} with {@code partitions} partitions and replication factor 1. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /**
     * Creates {@code name} with {@code partitions} partitions, replication factor 1 and topic
     * settings such as {@code max.message.bytes}.
     */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        if (partitions < 1) {
            throw new IllegalArgumentException(
                    "partitions for topic '" + name + "' is " + partitions + ", expected >= 1");
        }
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot create topic '" + name + "': " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "creating topic '"
                            + name
                            + "' took over 30 s; "
                            + logFile
                            + " ends with:\n"
                            + LocalFiles.tail(logFile, LOG_TAIL_LINES),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic '" + name + "'", e);
        }
    }

    /** Stops the broker, waits for it to exit and deletes its log directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        admin.close(Duration.ofSeconds(5));
        stop(process);
        removeHook(shutdownHook);
        try {
            LocalFiles.deleteTree(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the broker's data in " + dataDir, e);
        }
    }

    static void checkKafkaOnClassPath(ClassLoader loader) {
        try {
            Class.forName(KAFKA_MAIN, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(
                    "LocalKafkaBroker needs the Kafka broker on the class path, and "
                            + KAFKA_MAIN
                            + " is missing: add org.apache.kafka:kafka_2.13:4.2.0 (an optional"
                            + " dependency of prunestream-connectors) to your dependencies, or"
                            + " use a Kafka cluster you already run");
        }
    }

    private static String serverProperties(int brokerPort, int controllerPort, Path dataDir) {
        String controller = "127.0.0.1:" + controllerPort;
        return String.join(
                "\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=" + controller,
                "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://" + controller,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dataDir,
                // One broker: internal topics can have one replica only. One partition each keeps
                // the first consumer group and transaction quick to set up.
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                // Tests start consumers one at a time: no reason to wait for more to join.
                "group.initial.rebalance.delay.ms=0",
                "");
    }

    /** A java @argfile holding the class path, so its length never hits a command-line limit. */
    private static String classPathArgFile() {
        String cp = childClassPath(LocalKafkaBroker.class.getClassLoader());
        return "-cp \"" + cp.replace("\\", "\\\\").replace("\"", "\\\"") + "\"\n";
    }

    /**
     * This JVM's class path, plus the jars of the URL class loaders that loaded us: under {@code
     * mvn exec:java} or in a Flink user-code class loader, kafka_2.13 is there and not on {@code
     * java.class.path}.
     */
    public static String childClassPath(ClassLoader loader) {
        Set<String> entries = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                entries.add(e);
            }
        }
        List<URLClassLoader> loaders = new ArrayList<>();
        for (ClassLoader l = loader; l != null; l = l.getParent()) {
            if (l instanceof URLClassLoader u) {
                loaders.add(0, u); // parents first, as class loading asks them first
            }
        }
        for (URLClassLoader u : loaders) {
            for (URL url : u.getURLs()) {
                if ("file".equals(url.getProtocol())) {
                    try {
                        entries.add(Path.of(url.toURI()).toString());
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        // not a plain file path: the child cannot use it either
                    }
                }
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    /** Waits for the listener first, so the admin client does not log refused connections. */
    private static void awaitPort(
            int port, Process broker, long deadline, Duration timeout, Path logFile) {
        while (true) {
            checkAlive(broker, logFile);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return;
            } catch (IOException e) {
                // not listening yet
            }
            checkDeadline(deadline, timeout, logFile);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Kafka", e);
            }
        }
    }

    private static void checkAlive(Process broker, Path logFile) {
        if (!broker.isAlive()) {
            throw new IllegalStateException(
                    "the Kafka broker exited with code "
                            + broker.exitValue()
                            + " while starting; "
                            + logFile
                            + " ends with:\n"
                            + LocalFiles.tail(logFile, LOG_TAIL_LINES));
        }
    }

    private static void checkDeadline(long deadline, Duration timeout, Path logFile) {
        if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                    "the Kafka broker did not answer within "
                            + timeout.toSeconds()
                            + " s (a busy machine may need a longer timeout: use"
                            + " start(workDir, timeout)); "
                            + logFile
                            + " ends with:\n"
                            + LocalFiles.tail(logFile, LOG_TAIL_LINES));
        }
    }

    private static void awaitCluster(
            Admin admin, Process broker, long deadline, Duration timeout, Path logFile) {
        while (true) {
            checkAlive(broker, logFile);
            try {
                if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Kafka", e);
            }
            checkDeadline(deadline, timeout, logFile);
        }
    }

    private static int waitFor(Process p, long deadline) {
        try {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** SIGTERM first, so Kafka shuts down cleanly; SIGKILL if it takes too long. */
    private static void stop(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down and runs the hook itself
        }
    }
}
