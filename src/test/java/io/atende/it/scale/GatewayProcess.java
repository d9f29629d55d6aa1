package io.atende.it.scale;

import io.atende.support.FreePort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One gateway replica: the real {@code target/atende.jar} in its own JVM, configured by environment variables. */
final class GatewayProcess implements AutoCloseable {

    private final String name;
    private final int port;
    private final Path log;
    private Process process;

    private GatewayProcess(String name, int port, Path log) {
        this.name = name;
        this.port = port;
        this.log = log;
    }

    static GatewayProcess start(String name, Path workDir, Map<String, String> env) {
        int port = FreePort.next();
        Path log = workDir.resolve(name + ".log");
        GatewayProcess g = new GatewayProcess(name, port, log);
        Path jar = Path.of("target", "atende.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run through `mvn verify` (the IT runs after package)");
        }
        try {
            Files.createDirectories(workDir.resolve(name));
            ProcessBuilder pb = new ProcessBuilder(KafkaBroker.javaBin(), "-Xms64m", "-Xmx256m", "-XX:+UseSerialGC",
                    "-XX:TieredStopAtLevel=1", "-jar", jar.toString())
                    .directory(workDir.resolve(name).toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().putAll(env);
            pb.environment().put("ATENDE_HTTP_PORT", String.valueOf(port));
            pb.environment().put("ATENDE_NODE_ID", name);
            pb.environment().put("ATENDE_DATA_DIR", workDir.resolve(name).resolve("data").toString());
            g.process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return g;
    }

    /** Waits until /observe/health/ready answers 200. */
    GatewayProcess awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/observe/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return this;
                }
            } catch (IOException notYet) {
                // still starting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            KafkaBroker.sleep(300);
        }
        throw new IllegalStateException(name + " not ready within " + timeout + ":\n" + tail());
    }

    String name() {
        return name;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook, no graceful stop, work in flight abandoned. */
    void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        kill();
    }
}
