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

    static Map<String, Object> run(BenchConfig cfg, Ledger ledger, EvolutionSim evolution) throws Exception {
        Map<String, Object> report = new LinkedHashMap<>();
        List<OllamaSim> backends = new ArrayList<>();
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
            try (GatewayProcess gw = new GatewayProcess(cfg, "ceiling-1", backends.get(0).baseUrl(), evolution.baseUrl(), env)) {
                gw.awaitReady(Duration.ofSeconds(180));
                Driver driver = new Driver(ledger, gw.baseUrl(), gw.token);
                CapacityBench.log("ceiling: warm-up, " + cfg.ceilingWarmup + " webhooks");
                offer(cfg, driver, "ceiling-warmup", cfg.ceilingWarmup, 0);
                drain(cfg, ledger, "ceiling-warmup");
                Thread.sleep(2000);
                report.put("one_replica", measure(cfg, ledger, gw, driver, "ceiling-run", cfg.ceilingWebhooks));
            }
        } finally {
            for (OllamaSim s : backends) {
                s.close();
            }
        }
        return report;
    }

    private static Map<String, Object> measure(BenchConfig cfg, Ledger ledger, GatewayProcess gw, Driver driver,
                                               String phase, int webhooks) throws Exception {
        GatewayProcess.Sample before = gw.sampleNow();
        long t0 = System.nanoTime();
        offer(cfg, driver, phase, webhooks, 500_000);
        long unanswered = drain(cfg, ledger, phase);
        GatewayProcess.Sample after = gw.sampleNow();
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
        double gwCpuMs = (after.gwCpuTicks() - before.gwCpuTicks()) * 1000.0 / GatewayProcess.TICKS_PER_SECOND;
        double pgCpuMs = (after.pgCpuTicks() - before.pgCpuTicks()) * 1000.0 / GatewayProcess.TICKS_PER_SECOND;
        double wall = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("webhooks", webhooks);
        m.put("accepted", accepted);
        m.put("unanswered", unanswered);
        m.put("duplicates", duplicates);
        m.put("offered_rate_per_s", cfg.ceilingRate);
        m.put("answered_per_s", Stats.r(replies.size() / seconds));
        m.put("ack_ms", new Stats(acks).summary());
        m.put("reply_ms", new Stats(replies).summary());
        m.put("gateway_cpu_ms_per_turn", Stats.r(gwCpuMs / Math.max(1, replies.size())));
        m.put("postgres_cpu_ms_per_turn", Stats.r(pgCpuMs / Math.max(1, replies.size())));
        m.put("gateway_cpu_cores", Stats.r(gwCpuMs / 1000 / wall));
        m.put("postgres_cpu_cores", Stats.r(pgCpuMs / 1000 / wall));
        m.put("gateway_peak_rss_mb", Stats.r(after.gwHwmKb() / 1024.0));
        CapacityBench.log("ceiling " + phase + ": " + m);
        return m;
    }

    /**
     * Posts {@code count} messages, each from a customer who never wrote before, at {@code ceiling-rate} per second
     * (open loop: a slow acknowledgement does not slow the offer), over {@code ceiling-connections} connections.
     */
    private static void offer(BenchConfig cfg, Driver driver, String phase, int count, int firstCustomer)
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
                    driver.post(phase, k % cfg.instances, firstCustomer + k);
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.MINUTES);
    }

    private static long drain(BenchConfig cfg, Ledger ledger, String phase) throws InterruptedException {
        long left = ledger.awaitAnswered(ledger.sentIn(phase), System.nanoTime() + (long) (cfg.drainTimeoutS * 1e9));
        CapacityBench.log(phase + ": drained, unanswered " + left);
        return left;
    }

    /** One command for this phase alone, without Maven's bench profile (target/lib and test-classes built). */
    public static void main(String[] args) throws Exception {
        BenchConfig cfg = new BenchConfig();
        Ledger ledger = new Ledger();
        try (EvolutionSim evolution = new EvolutionSim(ledger, "bench-evolution-key")) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("machine", Machine.describe());
            r.put("commit", Machine.gitCommit());
            r.putAll(run(cfg, ledger, evolution));
            Path out = cfg.out().resolve("ceiling");
            Files.createDirectories(out);
            JSON.writeValue(out.resolve("report.json").toFile(), r);
            System.out.println(JSON.writeValueAsString(r));
        }
        System.exit(0);
    }
}
