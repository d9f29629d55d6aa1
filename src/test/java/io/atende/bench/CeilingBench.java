package io.atende.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The gateway's ceiling when the LLM is fast (issue 16): a GPU host or a hosted model answers in tens of
 * milliseconds, so the gateway's own cost per turn decides the rate. Several simulated backends answer every call in
 * {@code ceiling-llm-ms} over {@code ceiling-slots} slots in all; the debounce is 0; {@code ceiling-webhooks} customers
 * who never wrote before each send one message, offered open loop at {@code ceiling-rate} per second. Reported: the
 * answered rate end to end, webhook ack latency while the replies flow, and CPU per turn of the gateway and of its
 * PostgreSQL. Run alone with {@code -Dbench.phases=ceiling}.
 */
final class CeilingBench {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CeilingBench() {
    }

    /**
     * Runs {@code ceiling-runs} (default all three): {@code embedded} (one replica on its own embedded PostgreSQL, what a
     * new user starts), {@code external-1} and {@code external-2} (one, then two replicas sharing the bench's PostgreSQL
     * server, webhooks alternating between them). Each gets a fresh database and its own excluded warm-up.
     */
    static Map<String, Object> run(BenchConfig cfg, Ledger ledger, EvolutionSim evolution, Path work) throws Exception {
        Map<String, Object> report = new LinkedHashMap<>();
        List<OllamaSim> backends = new ArrayList<>();
        ScaleBench.ExternalPostgres pg = null;
        try {
            int per = Math.max(1, cfg.ceilingSlots / cfg.ceilingBackends);
            List<String> urls = new ArrayList<>();
            for (int b = 0; b < cfg.ceilingBackends; b++) {
                OllamaSim sim = new OllamaSim(cfg, ledger, per, cfg.ceilingLlmMs);
                backends.add(sim);
                urls.add(sim.baseUrl() + "#" + per);
            }
            Map<String, String> env = new LinkedHashMap<>();
            env.put("ATENDE_DEBOUNCE_MS", "0");
            env.put("OLLAMA_BASE_URLS", String.join(",", urls));
            env.put("ATENDE_LLM_PARALLEL", String.valueOf(per * cfg.ceilingBackends));
            env.putAll(cfg.ceilingEnv());
            report.put("llm", Map.of("backends", cfg.ceilingBackends, "slots_each", per, "answer_ms", cfg.ceilingLlmMs));
            report.put("gateway_env", env);
            report.put("jvm_opts", cfg.jvmOpts);
            for (String run : cfg.ceilingRuns.split(",")) {
                run = run.trim();
                int replicas = run.equals("external-2") ? 2 : 1;
                Map<String, String> runEnv = new LinkedHashMap<>(env);
                String jdbc = null;
                if (!run.equals("embedded")) {
                    if (pg == null) {
                        pg = new ScaleBench.ExternalPostgres(work.resolve("ceiling-postgres"));
                        report.put("postgres_settings", ScaleBench.ExternalPostgres.SETTINGS);
                    }
                    jdbc = pg.newDatabase("ceiling_" + run.replace('-', '_'));
                    runEnv.putAll(pg.gatewayEnv(jdbc));
                }
                List<GatewayProcess> gws = new ArrayList<>();
                try {
                    for (int r = 1; r <= replicas; r++) {
                        Map<String, String> e = new LinkedHashMap<>(runEnv);
                        e.put("ATENDE_NODE_ID", "ceiling-" + r);
                        gws.add(new GatewayProcess(cfg, "ceiling-" + run + "-" + r, backends.get(0).baseUrl(),
                                evolution.baseUrl(), e));
                        // the second replica migrates nothing: the first has run Flyway by the time it is ready
                        gws.get(r - 1).awaitReady(Duration.ofSeconds(180));
                    }
                    List<Driver> drivers = new ArrayList<>();
                    for (GatewayProcess gw : gws) {
                        drivers.add(new Driver(ledger, gw.baseUrl(), gw.token));
                    }
                    String warm = "ceiling-warmup-" + run;
                    CapacityBench.log("ceiling " + run + ": warm-up, " + cfg.ceilingWarmup + " webhooks");
                    offer(cfg, drivers, warm, cfg.ceilingWarmup, 0);
                    drain(cfg, ledger, warm);
                    Thread.sleep(2000);
                    report.put(run, measure(cfg, ledger, gws, pg == null || run.equals("embedded") ? null : pg, drivers,
                            "ceiling-" + run, cfg.ceilingWebhooks));
                } finally {
                    for (GatewayProcess gw : gws) {
                        gw.close();
                    }
                    if (jdbc != null) {
                        pg.dropDatabase(jdbc);
                    }
                }
            }
        } finally {
            for (OllamaSim s : backends) {
                s.close();
            }
            if (pg != null) {
                pg.close();
            }
        }
        return report;
    }

    private static Map<String, Object> measure(BenchConfig cfg, Ledger ledger, List<GatewayProcess> gws,
                                               ScaleBench.ExternalPostgres pg, List<Driver> drivers, String phase,
                                               int webhooks) throws Exception {
        List<GatewayProcess.Sample> before = new ArrayList<>();
        gws.forEach(g -> before.add(g.sampleNow()));
        long[] pgBefore = pg == null ? null : pg.usage();
        long[] selfBefore = ProcStat.stat(Path.of("/proc/self"));
        long t0 = System.nanoTime();
        offer(cfg, drivers, phase, webhooks, 500_000);
        long unanswered = drain(cfg, ledger, phase);
        double wall = (System.nanoTime() - t0) / 1e9;
        List<GatewayProcess.Sample> after = new ArrayList<>();
        gws.forEach(g -> after.add(g.sampleNow()));
        long[] pgAfter = pg == null ? null : pg.usage();
        long[] selfAfter = ProcStat.stat(Path.of("/proc/self"));
        List<Ledger.Sent> sent = ledger.sentIn(phase);
        long lastAnswer = 0;
        List<Double> acks = new ArrayList<>();
        List<Double> replies = new ArrayList<>();
        int accepted = 0;
        for (Ledger.Sent s : sent) {
            acks.add((s.ackNs - s.sentNs) / 1e6);
            if (s.accepted()) {
                accepted++;
            }
            List<Long> a = ledger.answers.get(s.marker);
            if (a != null && !a.isEmpty()) {
                lastAnswer = Math.max(lastAnswer, a.get(0));
                replies.add((a.get(0) - s.sentNs) / 1e6);
            }
        }
        double seconds = (lastAnswer - t0) / 1e9;
        long duplicates = sent.stream().filter(s -> ledger.answers.getOrDefault(s.marker, List.of()).size() > 1).count();
        double ms = 1000.0 / GatewayProcess.TICKS_PER_SECOND;
        double gwCpuMs = 0, pgCpuMs = 0, peakRss = 0;
        for (int i = 0; i < gws.size(); i++) {
            gwCpuMs += (after.get(i).gwCpuTicks() - before.get(i).gwCpuTicks()) * ms;
            pgCpuMs += pg == null ? (after.get(i).pgCpuTicks() - before.get(i).pgCpuTicks()) * ms : 0;
            peakRss = Math.max(peakRss, after.get(i).gwHwmKb() / 1024.0);
        }
        if (pg != null) {
            pgCpuMs = (pgAfter[0] - pgBefore[0]) * ms;
        }
        double benchCpuMs = selfBefore == null || selfAfter == null ? 0
                : (selfAfter[1] + selfAfter[2] - selfBefore[1] - selfBefore[2]) * ms;
        int turns = Math.max(1, replies.size());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("replicas", gws.size());
        m.put("webhooks", webhooks);
        m.put("accepted", accepted);
        m.put("unanswered", unanswered);
        m.put("duplicates", duplicates);
        m.put("offered_rate_per_s", cfg.ceilingRate);
        m.put("answered_per_s", Stats.r(replies.size() / seconds));
        m.put("ack_ms", new Stats(acks).summary());
        m.put("reply_ms", new Stats(replies).summary());
        m.put("gateway_cpu_ms_per_turn", Stats.r(gwCpuMs / turns));
        m.put("postgres_cpu_ms_per_turn", Stats.r(pgCpuMs / turns));
        m.put("bench_cpu_ms_per_turn", Stats.r(benchCpuMs / turns));
        m.put("cores_busy", Map.of("gateways", Stats.r(gwCpuMs / 1000 / wall), "postgres", Stats.r(pgCpuMs / 1000 / wall),
                "bench_driver_and_simulators", Stats.r(benchCpuMs / 1000 / wall)));
        m.put("gateway_peak_rss_mb", Stats.r(peakRss));
        m.put("cpu_calibration_ms", Stats.r(Machine.calibrationMillis()));
        CapacityBench.log("ceiling " + phase + ": " + m);
        return m;
    }

    /**
     * Posts {@code count} messages, each from a customer who never wrote before, at {@code ceiling-rate} per second
     * (open loop: a slow acknowledgement does not slow the offer), over {@code ceiling-connections} connections,
     * alternating between the replicas.
     */
    private static void offer(BenchConfig cfg, List<Driver> drivers, String phase, int count, int firstCustomer)
            throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(cfg.ceilingConnections);
        AtomicInteger next = new AtomicInteger();
        long start = System.nanoTime();
        double gapNs = 1e9 / cfg.ceilingRate;
        for (int c = 0; c < cfg.ceilingConnections; c++) {
            pool.execute(() -> {
                int k;
                while ((k = next.getAndIncrement()) < count) {
                    long due = start + (long) (k * gapNs);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                    drivers.get(k % drivers.size()).post(phase, k % cfg.instances, firstCustomer + k);
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.MINUTES);
    }

    /** Replies lost (unanswered) or duplicated over the runs of a report. */
    @SuppressWarnings("unchecked")
    static long lost(Map<String, Object> report) {
        long n = 0;
        for (Object v : report.values()) {
            if (v instanceof Map<?, ?> m && m.containsKey("unanswered")) {
                n += ((Number) m.get("unanswered")).longValue() + ((Number) m.get("duplicates")).longValue();
            }
        }
        return n;
    }

    private static long drain(BenchConfig cfg, Ledger ledger, String phase) throws InterruptedException {
        long left = ledger.awaitAnswered(ledger.sentIn(phase), System.nanoTime() + (long) (cfg.drainTimeoutS * 1e9));
        CapacityBench.log(phase + ": drained, unanswered " + left);
        return left;
    }

    static void write(Path out, Map<String, Object> r) throws java.io.IOException {
        Files.createDirectories(out);
        JSON.writeValue(out.resolve("report.json").toFile(), r);
        CapacityBench.log("ceiling report written to " + out.resolve("report.json").toAbsolutePath());
    }

    /** One command for this phase alone, without Maven's bench profile (target/lib and test-classes built). */
    public static void main(String[] args) throws Exception {
        BenchConfig cfg = new BenchConfig();
        Ledger ledger = new Ledger();
        try (EvolutionSim evolution = new EvolutionSim(ledger, "bench-evolution-key")) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("machine", Machine.describe());
            r.put("commit", Machine.gitCommit());
            r.putAll(run(cfg, ledger, evolution, Files.createTempDirectory("atende-ceiling-")));
            write(cfg.out(), r);
        }
        System.exit(0);
    }
}
