package io.atende.bench;

import io.atende.support.FreePort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The real {@code target/atende.jar} in a child JVM (as in its container: {@code -XX:MaxRAM=512m}), with its
 * embedded PostgreSQL as grandchild processes. A sampler reads RSS and CPU of the gateway and, apart, of the
 * PostgreSQL processes from {@code /proc}, and the heap from the gateway's Prometheus endpoint.
 */
final class GatewayProcess implements AutoCloseable {

    /** One sample; memory in KiB, CPU in clock ticks (USER_HZ, 100 per second on Linux). */
    record Sample(double t, long gwRssKb, long gwHwmKb, long gwCpuTicks, long heapUsedBytes, long pgRssKb,
                  long pgPssKb, long pgCpuTicks, int pgProcesses, long gwRunQueueWaitNs) {
    }

    static final long TICKS_PER_SECOND = 100;

    final String token = "bench-token-" + Long.toHexString(System.nanoTime());
    final String apiKey = "bench-evolution-key";
    final int port;
    final Path dataDir;
    final Process process;
    final Path log;
    final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final long t0 = System.nanoTime();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private volatile boolean sampling = true;
    private long pgRoot = -1;
    private long scrapes;
    private final Thread sampler;
    private final long sampleMillis;

    GatewayProcess(BenchConfig cfg, String name, String ollamaUrl, String evolutionUrl, Map<String, String> env)
            throws IOException {
        this.port = FreePort.next();
        this.dataDir = Files.createTempDirectory("atende-bench-" + name + "-");
        this.log = Path.of("target", "bench-gateway-" + name + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String opt : cfg.jvmOpts.trim().split("\\s+")) {
            if (!opt.isEmpty()) {
                cmd.add(opt);
            }
        }
        cmd.add("-jar");
        cmd.add(Path.of(cfg.jar).toAbsolutePath().toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> e = pb.environment();
        e.put("ATENDE_HTTP_PORT", String.valueOf(port));
        e.put("ATENDE_DATA_DIR", dataDir.toString());
        e.put("ATENDE_WEBHOOK_TOKEN", token);
        e.put("ATENDE_ADMIN_TOKEN", "bench-admin");
        e.put("OLLAMA_BASE_URL", ollamaUrl);
        e.put("EVOLUTION_BASE_URL", evolutionUrl);
        e.put("EVOLUTION_API_KEY", apiKey);
        e.put("ATENDE_LLM_PARALLEL", String.valueOf(cfg.llmSlots));
        e.put("ATENDE_DEBOUNCE_MS", String.valueOf(cfg.debounceMs));
        e.remove("ATENDE_DB_URL");
        e.putAll(env);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        this.process = pb.start();
        this.sampleMillis = cfg.sampleMillis;
        this.sampler = new Thread(this::sampleLoop, "bench-sampler-" + name);
        sampler.setDaemon(true);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    long pid() {
        return process.pid();
    }

    void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway exited with " + process.exitValue() + ", see " + log);
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/observe/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    sampler.start();
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("gateway not ready after " + timeout + ", see " + log);
    }

    double now() {
        return (System.nanoTime() - t0) / 1e9;
    }

    synchronized Sample sampleNow() {
        long pid = pid();
        Map<Long, Long> parents = new HashMap<>();
        Map<Long, long[]> stats = new HashMap<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) dirs::iterator) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long[] st = ProcStat.stat(p);
                if (st != null) {
                    parents.put(Long.parseLong(n), st[0]);
                    stats.put(Long.parseLong(n), st);
                }
            }
        } catch (IOException ignored) {
            // /proc unreadable: zeros below
        }
        if (pgRoot < 0) {
            pgRoot = ProcStat.postmaster(parents.keySet(), dataDir.toString());
        }
        long pgRss = 0, pgPss = 0, pgCpu = 0;
        int pgCount = 0;
        for (Map.Entry<Long, Long> en : parents.entrySet()) {
            long p = en.getKey();
            if (p != pid && (p == pgRoot || ProcStat.descends(p, pid, parents) || ProcStat.descends(p, pgRoot, parents))) {
                Path dir = Path.of("/proc", String.valueOf(en.getKey()));
                pgRss += ProcStat.statusKb(dir, "VmRSS");
                pgPss += ProcStat.pssKb(dir);
                long[] st = stats.get(en.getKey());
                pgCpu += st[1] + st[2] + st[3] + st[4];
                pgCount++;
            }
        }
        Path gw = Path.of("/proc", String.valueOf(pid));
        long[] gst = stats.get(pid);
        long gwCpu = gst == null ? 0 : gst[1] + gst[2];
        // The Prometheus scrape costs the gateway CPU: heap every 10th sample only (RSS and CPU come from /proc).
        long heap = scrapes++ % 10 == 0 ? heapUsed() : -1;
        return new Sample(now(), ProcStat.statusKb(gw, "VmRSS"), ProcStat.statusKb(gw, "VmHWM"), gwCpu, heap,
                pgRss, pgPss, pgCpu, pgCount, ProcStat.runQueueWaitNs(gw));
    }


    /** Heap in use, from jvm_memory_used_bytes{area="heap"} on /observe/metrics; -1 when unavailable. */
    long heapUsed() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/observe/metrics"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            long sum = 0;
            boolean found = false;
            for (String line : r.body().split("\n")) {
                if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                    sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    found = true;
                }
            }
            return found ? sum : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    private void sampleLoop() {
        while (sampling && process.isAlive()) {
            samples.add(sampleNow());
            try {
                Thread.sleep(sampleMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws Exception {
        sampling = false;
        sampler.interrupt();
        process.destroy();
        if (!process.waitFor(40, java.util.concurrent.TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        // The run's database is thrown away (each run starts from an empty one).
        try (var paths = Files.walk(dataDir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temporary directory
        }
    }
}
