package io.atende.it.scale;

import io.atende.support.FreePort;
import org.apache.kafka.common.Uuid;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one process), run as a child JVM from the
 * {@code org.apache.kafka:kafka_2.13} jars that the build copies into {@code target/kafka-broker/} - the same main
 * class as {@code kafka-server-start.sh}, never on the test classpath.
 *
 * <p>Public for the capacity bench ({@code io.atende.bench.ScaleBench}), which runs it with {@link Settings#PRODUCTION}.
 */
public final class KafkaBroker implements AutoCloseable {

    /**
     * How the broker's JVM and log run.
     *
     * @param jvmOptions        heap, collector and JIT options of the broker's JVM
     * @param flushEveryMessage {@code log.flush.interval.messages=1}: every record fsynced before it is acknowledged
     */
    public record Settings(List<String> jvmOptions, boolean flushEveryMessage) {

        /**
         * The ITs': a small heap and C1 only (quick to start next to the replicas on a CI box), every record fsynced
         * (a killed broker loses nothing acknowledged).
         */
        public static final Settings IT = new Settings(
                List.of("-Xms64m", "-Xmx320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), true);

        /**
         * docker-compose's {@code kafka} service: the apache/kafka image's heap as compose caps it
         * ({@code KAFKA_HEAP_OPTS=-Xms256m -Xmx512m}), kafka-run-class.sh's default JVM options (G1, full JIT), and
         * the broker's default flush policy (the page cache; compose sets none).
         */
        public static final Settings PRODUCTION = new Settings(List.of("-Xms256m", "-Xmx512m", "-server",
                "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
                "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true"), false);
    }

    private final Path dir;
    private final int port;
    private final Settings settings;
    private Process process;
    private int restarts;

    private KafkaBroker(Path dir, int port, Settings settings) {
        this.dir = dir;
        this.port = port;
        this.settings = settings;
    }

    static KafkaBroker start(Path workDir) {
        return start(workDir, Settings.IT);
    }

    public static KafkaBroker start(Path workDir, Settings settings) {
        KafkaBroker b = new KafkaBroker(workDir, FreePort.next(), settings);
        b.launch();
        return b;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The broker JVM's process id (for its CPU and memory in /proc). */
    public long pid() {
        return process.pid();
    }

    /** Where the broker's jars are copied by the build (maven-dependency-plugin, pre-integration-test). */
    public static Path jarsDir() {
        return Path.of("target", "kafka-broker").toAbsolutePath();
    }

    private void launch() {
        Path jars = jarsDir();
        if (!Files.isDirectory(jars)) {
            throw new IllegalStateException(jars + " is missing: run through `mvn verify` (pre-integration-test copies the broker)");
        }
        int controller = FreePort.next();
        Path logs = dir.resolve("data");
        Path props = dir.resolve("server.properties");
        try {
            Files.createDirectories(logs);
            Files.writeString(props, String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controller,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "log.dirs=" + logs,
                    "num.partitions=1",
                    "auto.create.topics.enable=false",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=4",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    settings.flushEveryMessage() ? "log.flush.interval.messages=1" : "",
                    ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        run(List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(), "-c", props.toString()),
                classpath(), dir.resolve("format.log"), true);
        process = run(List.of("kafka.Kafka", props.toString()), classpath(), dir.resolve("broker.log"), false);
        awaitListening(process, dir.resolve("broker.log"), Duration.ofSeconds(90));
    }

    /**
     * Starts the broker again after {@link #kill()}: the same {@code server.properties}, so the same ports (clients
     * reconnect to the address they know) and the same data directory, not formatted again - what it had flushed
     * ({@code log.flush.interval.messages=1}: every acknowledged record) it reads back, topics, offsets and all.
     * A port taken meanwhile by someone else's connection (the broker's were free while it was down) would make
     * it exit at once: it is then started again until the port is free.
     */
    void restart() {
        kill();
        restarts++;
        Path props = dir.resolve("server.properties");
        Path log = dir.resolve("broker-restart-" + restarts + ".log");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (true) {
            process = run(List.of("kafka.Kafka", props.toString()), classpath(), log, false);
            try {
                awaitListening(process, log, Duration.between(Instant.now(), deadline));
                return;
            } catch (IllegalStateException exited) {
                if (process.isAlive() || Instant.now().isAfter(deadline)) {
                    throw exited;
                }
                sleep(500);
            }
        }
    }

    private void awaitListening(Process p, Path log, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!p.isAlive()) {
                throw new IllegalStateException("Kafka broker exited with " + p.exitValue() + ", see " + log);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                sleep(300);
            }
        }
        throw new IllegalStateException("Kafka broker did not listen within " + timeout.toSeconds() + " s, see " + log);
    }

    private static String classpath() {
        return Path.of("target", "kafka-broker").toAbsolutePath() + File.separator + "*";
    }

    private Process run(List<String> mainAndArgs, String cp, Path log, boolean waitForExit) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin());
        cmd.addAll(settings.jvmOptions());
        cmd.addAll(List.of("-Dlog4j2.level=WARN", "-cp", cp));
        cmd.addAll(mainAndArgs);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (waitForExit) {
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new IllegalStateException(mainAndArgs.get(0) + " failed: " + Files.readString(log));
                }
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the broker at once (as if its host died). */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        kill();
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
