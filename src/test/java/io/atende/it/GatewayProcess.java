package io.atende.it;

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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real gateway, {@code java -jar target/atende.jar}, as a child process configured by environment variables
 * only, like in production. Each start writes the child's stdout and stderr to its own file under
 * {@code target/<name>/}, for diagnosis.
 */
final class GatewayProcess {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Path jar;
    private final Path logDir;
    private final Map<String, String> env = new LinkedHashMap<>();
    private final int port;
    private final List<Path> logs = new ArrayList<>();
    private Process process;

    GatewayProcess(String name, Path dataDir) {
        this.jar = Path.of("target", "atende.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: integration tests run after 'mvn package'");
        }
        this.logDir = Path.of("target", name).toAbsolutePath();
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.port = FreePort.next();
        env.put("ATENDE_DATA_DIR", dataDir.toAbsolutePath().toString());
        env.put("ATENDE_HTTP_PORT", String.valueOf(port));
    }

    GatewayProcess env(String name, String value) {
        env.put(name, value);
        return this;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Starts a new child and waits until it answers {@code /observe/health/ready}. */
    GatewayProcess start(Duration readyWithin) {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        Path log = logDir.resolve("run-" + (logs.size() + 1) + ".log");
        logs.add(log);
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar", jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().putAll(env);
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + readyWithin.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the gateway exited with " + process.exitValue() + " while starting; see " + log);
            }
            if (ready()) {
                return this;
            }
            sleep(100);
        }
        throw new IllegalStateException("the gateway was not ready within " + readyWithin + "; see " + log);
    }

    boolean ready() {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/observe/health/ready"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** kill -9: {@link Process#destroyForcibly()} is SIGKILL on Linux. Its embedded PostgreSQL survives as an orphan. */
    void kill() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(30));
    }

    /** SIGTERM ({@link Process#destroy()}), the way a container runtime stops the gateway. */
    void terminate() {
        process.destroy();
    }

    /** @return whether the child exited within {@code timeout} */
    boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    Path lastLog() {
        return logs.get(logs.size() - 1);
    }

    List<Path> logs() {
        return List.copyOf(logs);
    }

    /**
     * Leaves nothing running: the child is stopped (SIGTERM, then SIGKILL), and an embedded PostgreSQL left by a
     * kill -9 (it outlives its JVM) is stopped too.
     */
    void cleanUp() {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!waitFor(Duration.ofSeconds(30))) {
                process.destroyForcibly();
                waitFor(Duration.ofSeconds(10));
            }
        }
        Path pidFile = Path.of(env.get("ATENDE_DATA_DIR"), "postgres", "postmaster.pid");
        try {
            if (Files.exists(pidFile)) {
                long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
                Optional<ProcessHandle> pg = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                        .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
                if (pg.isPresent()) {
                    new ProcessBuilder("kill", "-INT", String.valueOf(pid)).inheritIO().start().waitFor();
                    try {
                        pg.get().onExit().get(20, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        pg.get().destroyForcibly();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("Could not clean up the embedded PostgreSQL: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
