package io.atende.bench;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The benchmark and capacity harness (issue 4). Not a unit test: it only runs with {@code mvn -B -Pbench verify}
 * (the name matches neither surefire's nor failsafe's default patterns). It starts the real {@code
 * target/atende.jar} twice, drives it through its webhook endpoint against the Ollama and Evolution simulators,
 * and writes {@code docs/bench/report.json}, {@code report.md} and SVG charts. See docs/bench/README.md.
 *
 * <p>It fails only when a reply was lost or duplicated; the performance targets are reported, not asserted.
 */
class CapacityBench {

    @Test
    void capacity() throws Exception {
        BenchConfig cfg = new BenchConfig();
        Ledger ledger = new Ledger();
        Analysis a = new Analysis(cfg, ledger);
        a.report.put("generated_at", Instant.now().toString());
        a.report.put("commit", Machine.gitCommit());
        a.report.put("machine", Machine.describe());
        // The phases whose figures go to this report; scale (issue 16) writes its own.
        boolean analysed = List.of("conversations", "fairness", "overhead", "ingest", "voice", "llm-efficiency")
                .stream().anyMatch(cfg::runs);
        ScaleBench.Result scale = new ScaleBench.Result(0, 0, 0);
        long ceilingLost = 0;
        if (analysed && cfg.wakeProbeSamples > 0) {
            a.report.put("wake_up_floor", WakeUpProbe.measure(cfg.wakeProbeSamples, 20));
        }
        a.report.put("config", cfg.shown);
        boolean real = cfg.realOllama != null;
        if (real && !reachable(cfg.realOllama)) {
            System.out.println("BENCH SKIPPED: real Ollama not reachable at " + cfg.realOllama);
        }
        assumeTrue(!real || reachable(cfg.realOllama),
                "real-model mode skipped: no Ollama answers GET " + cfg.realOllama + "/api/version");
        if (real) {
            cfg.compression = 1;
        }
        try (OllamaSim ollama = new OllamaSim(cfg, ledger);
             EvolutionSim evolution = new EvolutionSim(ledger, "bench-evolution-key")) {

            if (cfg.runs("conversations") || cfg.runs("fairness")) {
            // ---- run 1: defaults (debounce on): 10 x 10 conversations, then fairness with and without a flood
            try (GatewayProcess gw = new GatewayProcess(cfg, "conversations", ollama.baseUrl(), evolution.baseUrl(),
                    Map.of())) {
                gw.awaitReady(Duration.ofSeconds(180));
                Driver driver = new Driver(ledger, gw.baseUrl(), gw.token);
                a.gatewayStarted("run1", gw);
                warmUp(cfg, ledger, driver, "warmup1", 30);
                if (cfg.runs("conversations")) a.phase("conversations", gw, () -> conversations(cfg, ledger, driver));
                if (!real && cfg.runs("fairness")) {
                    double service = a.medianServiceSeconds("conversations");
                    a.note("fairness_service_time_s", service);
                    a.phase("fairness-baseline", gw, () -> openLoop(cfg, driver, "fairness-baseline", service, 1));
                    a.phase("fairness-flood", gw, () -> openLoop(cfg, driver, "fairness-flood", service, cfg.floodFactor));
                }
                a.gatewayStopped("run1", gw);
            }
            }
            if (!real && (cfg.runs("overhead") || cfg.runs("ingest"))) {
                // ---- run 2: debounce 0: gateway overhead with a free slot, then the ingest flood
                try (GatewayProcess gw = new GatewayProcess(cfg, "overhead", ollama.baseUrl(), evolution.baseUrl(),
                        Map.of("ATENDE_DEBOUNCE_MS", "0"))) {
                    gw.awaitReady(Duration.ofSeconds(180));
                    Driver driver = new Driver(ledger, gw.baseUrl(), gw.token);
                    a.gatewayStarted("run2", gw);
                    warmUp(cfg, ledger, driver, "warmup2", 30);
                    if (cfg.runs("overhead")) {
                        warmUpTurns(cfg, ledger, driver, "warmup2-turns", cfg.overheadWarmupPerSender);
                        // Then the phase's own shape (one turn at a time, the LLM at the phase's speed), excluded:
                        // the closed-loop turns run the LLM at drain speed, and after them the JIT still compiled
                        // about 400 methods (110 of them at C2) during the timed turns (-XX:+PrintCompilation).
                        sequentialTurns(ledger, driver, "warmup2-overhead", cfg.overheadWarmupSamples, 5000, cfg.instances);
                        settle(cfg, gw);
                    }
                    if (cfg.runs("overhead")) a.phase("overhead", gw, () -> overhead(cfg, ledger, driver));
                    double normal = cfg.compression;
                    if (cfg.runs("ingest")) {
                        if (cfg.ingestWarmupSeconds > 0) {
                            warmUpIngest(cfg, ledger, driver);
                        }
                        for (int r = 1; r <= cfg.ingestRepeats; r++) {
                            String name = r == 1 ? "ingest" : "ingest-" + r;
                            cfg.compression = cfg.ingestCompression;
                            a.phase(name, gw, () -> ingest(cfg, driver, name, cfg.ingestSeconds));
                        }
                    }
                    cfg.compression = normal;
                    a.gatewayStopped("run2", gw);
                }
            }
            if (!real && cfg.runs("voice")) {
                voiceRun(cfg, ledger, a, ollama, evolution);
            }
            if (!real && cfg.runs("llm-efficiency")) {
                // Runs 4 and 5 (issue 15): today's prompt against the new layout, the simulator's prompt cache on.
                LlmEfficiency.run(cfg, ledger, a, ollama, evolution);
            }
            if (!real && cfg.runs("scale")) {
                // Issue 16: ingest per transport and 50 x 10 on Kafka. Its report goes to bench.out, or to
                // bench.out/scale when this run also writes the capacity report there.
                scale = ScaleBench.run(cfg, ledger, ollama, evolution, analysed ? cfg.out().resolve("scale") : cfg.out());
            }
            if (!real && cfg.runs("ceiling")) {
                // Issue 16: the gateway's ceiling with an LLM answering in tens of milliseconds.
                Map<String, Object> ceiling = new LinkedHashMap<>();
                ceiling.put("generated_at", Instant.now().toString());
                ceiling.put("commit", Machine.gitCommit());
                ceiling.put("machine", Machine.describe());
                ceiling.putAll(CeilingBench.run(cfg, ledger, evolution, java.nio.file.Files.createTempDirectory("atende-ceiling-")));
                CeilingBench.write(analysed || cfg.runs("scale") ? cfg.out().resolve("ceiling") : cfg.out(), ceiling);
                ceilingLost = CeilingBench.lost(ceiling);
            }
            a.report.put("ollama_503", ollama.rejected503.get());
            a.report.put("evolution_rejected", evolution.rejected.get());
        }
        if (analysed) {
            a.finish(real);
            log("Report written to " + (real ? cfg.out().resolve("real-ollama") : cfg.out()).toAbsolutePath());
        }
        assertThat(a.totalLost).as("lost replies").isZero();
        assertThat(a.totalDuplicates).as("duplicate replies").isZero();
        assertThat(scale.lost()).as("scale phase: webhooks lost (not stored) or replies lost").isZero();
        assertThat(scale.duplicates()).as("scale phase: webhooks stored twice or replies duplicated").isZero();
        assertThat(ceilingLost).as("ceiling phase: replies lost or duplicated").isZero();
        assertThat(scale.failedCells()).as("scale phase: ingest cells that failed to run (see the log)").isZero();
    }

    /**
     * Run 3 (issue 14): voice notes. The gateway with ATENDE_STT_URL pointing at the whisper-server simulator; the
     * reference mix (instances x customers, a share of the messages voice notes of voice-min-s to voice-max-s seconds)
     * against the same load all in text, closed loop (everyone at once, a backlog) and open loop (a lighter load).
     */
    private static void voiceRun(BenchConfig cfg, Ledger ledger, Analysis a, OllamaSim ollama, EvolutionSim evolution)
            throws Exception {
        double c = cfg.voiceScaleGateway ? cfg.voiceCompression : 1;
        int debounce = (int) Math.round(cfg.debounceMs / c);
        int debounceMax = (int) Math.round(10_000 / c);
        int poll = cfg.voicePollMs > 0 ? cfg.voicePollMs : (int) Math.max(10, Math.round(250 / c));
        try (SttSim stt = new SttSim(cfg, ledger);
             GatewayProcess gw = new GatewayProcess(cfg, "voice", ollama.baseUrl(), evolution.baseUrl(),
                     Map.of("ATENDE_STT_URL", stt.inferenceUrl(), "ATENDE_DEBOUNCE_MS", String.valueOf(debounce),
                             "ATENDE_DEBOUNCE_MAX_MS", String.valueOf(debounceMax),
                             "ATENDE_DISPATCH_POLL_MS", String.valueOf(poll)))) {
            gw.awaitReady(Duration.ofSeconds(180));
            Driver driver = new Driver(ledger, gw.baseUrl(), gw.token);
            a.gatewayStarted("run3", gw, debounce, debounceMax);
            a.note("voice_gateway_timers_ms", Map.of("ATENDE_DEBOUNCE_MS", debounce, "ATENDE_DEBOUNCE_MAX_MS",
                    debounceMax, "ATENDE_DISPATCH_POLL_MS", poll));
            warmUp(cfg, ledger, driver, "warmup3", 30);
            warmUpVoice(cfg, ledger, driver, "warmup3-voice");
            double normal = cfg.compression;
            cfg.compression = cfg.voiceCompression;
            voicePhase(a, ledger, gw, "voice-text", () -> voiceConversations(cfg, ledger, driver, "voice-text", 4000, false));
            voicePhase(a, ledger, gw, "voice-mix", () -> voiceConversations(cfg, ledger, driver, "voice-mix", 4100, true));
            if (cfg.voiceOpenSeconds > 0) {
                double service = a.medianServiceSeconds("voice-text");
                a.note("voice_open_service_time_s", service);
                voicePhase(a, ledger, gw, "voice-open-text",
                        () -> voiceOpenLoop(cfg, driver, "voice-open-text", 4200, service, false));
                voicePhase(a, ledger, gw, "voice-open-mix",
                        () -> voiceOpenLoop(cfg, driver, "voice-open-mix", 4300, service, true));
            }
            cfg.compression = normal;
            a.report.put("stt_rejected", stt.rejected.get());
            a.gatewayStopped("run3", gw);
        }
    }

    /** A phase, with the peaks of LLM calls and transcriptions open at the simulators during it (drain included). */
    private static void voicePhase(Analysis a, Ledger ledger, GatewayProcess gw, String name, Load load)
            throws Exception {
        ledger.inFlight.resetPeaks();
        a.phase(name, gw, load);
        a.inFlightPeaks(name, ledger.inFlight.peakLlm(), ledger.inFlight.peakStt(), ledger.inFlight.peakCombined());
    }

    /** Voice notes and texts until the transcription path is compiled too; excluded from every figure. */
    private static void warmUpVoice(BenchConfig cfg, Ledger ledger, Driver driver, String phase) throws Exception {
        log("voice warm-up (excluded; the simulated LLM and speech-to-text at drain speed)");
        double normal = cfg.compression;
        cfg.compression = Math.max(normal, cfg.drainCompression);
        inParallel("warmup-voice", 10, t -> {
            for (int k = 0; k < 6; k++) {
                Ledger.Sent s = k % 2 == 0 ? driver.postVoice(phase, t % cfg.instances, 950_000 + t, 5 + k)
                        : driver.post(phase, t % cfg.instances, 950_000 + t);
                ledger.awaitAnswer(s.marker, 60_000);
            }
        });
        ledger.awaitAnswered(ledger.sentIn(phase), System.nanoTime() + 120_000_000_000L);
        cfg.compression = normal;
    }

    /**
     * The conversations shape (everyone starts within 2 s; bursts; think times; {@code voice-exchanges} times), with
     * each message a voice note at {@code voice-share} when {@code voice}. Each customer draws its times and choices
     * from its own seed, the same in the text phase, which posts a text wherever the mix posts a voice note.
     */
    private static void voiceConversations(BenchConfig cfg, Ledger ledger, Driver driver, String phase, int firstCustomer,
                                           boolean voice) throws Exception {
        log(phase + ": " + cfg.instances + " instances x " + cfg.customers + " customers, voice notes "
                + (voice ? cfg.voiceShare : 0));
        inParallel("customer", cfg.instances * cfg.customers, k -> {
            int inst = k / cfg.customers, cust = firstCustomer + k % cfg.customers;
            java.util.Random rnd = new java.util.Random(mix(cfg.voiceSeed, k));
            double c = cfg.voiceScaleGateway ? cfg.compression : 1;
            Thread.sleep((long) (rnd.nextInt(2000) / c));
            for (int e = 0; e < cfg.voiceExchanges; e++) {
                int n = rnd.nextDouble() < cfg.burstShare ? cfg.burstSize : 1;
                Ledger.Sent last = null;
                for (int m = 0; m < n; m++) {
                    if (m > 0) {
                        long gapNs = (long) (300e6 / c);
                        Thread.sleep(gapNs / 1_000_000, (int) (gapNs % 1_000_000));
                    }
                    last = postMaybeVoice(cfg, driver, phase, inst, cust, rnd, voice);
                }
                ledger.awaitAnswer(last.marker, (long) (cfg.drainTimeoutS * 1000));
                double think = cfg.thinkMinS + rnd.nextDouble() * (cfg.thinkMaxS - cfg.thinkMinS);
                Thread.sleep((long) (think * 1000 / cfg.compression));
            }
        });
    }

    /**
     * A seed per customer: java.util.Random's first draws from nearby seeds are correlated (all customers would send
     * at nearly the same times), so seed and customer are mixed first (MurmurHash3's 64-bit finaliser).
     */
    static long mix(long seed, int customer) {
        long z = seed * 0x9E3779B97F4A7C15L + customer;
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }

    /** A voice note with probability voice-share (when {@code voice}), else a text; the draws are the same either way. */
    private static Ledger.Sent postMaybeVoice(BenchConfig cfg, Driver driver, String phase, int inst, int cust,
                                              java.util.Random rnd, boolean voice) {
        boolean note = rnd.nextDouble() < cfg.voiceShare;
        int seconds = cfg.voiceMinSeconds + rnd.nextInt(cfg.voiceMaxSeconds - cfg.voiceMinSeconds + 1);
        return voice && note ? driver.postVoice(phase, inst, cust, seconds) : driver.post(phase, inst, cust);
    }

    /**
     * Open loop: every customer sends at Poisson times, all together loading the LLM to {@code voice-open-load} of
     * its capacity (counting each message as one text turn), for {@code voice-open-s}; voice notes as above.
     */
    private static void voiceOpenLoop(BenchConfig cfg, Driver driver, String phase, int firstCustomer, double serviceS,
                                      boolean voice) throws Exception {
        double perCustomer = cfg.voiceOpenLoad / (serviceS * cfg.instances * cfg.customers);
        log(phase + ": " + String.format(Locale.ROOT, "%.4f", perCustomer) + " msg/s per customer, voice notes "
                + (voice ? cfg.voiceShare : 0));
        long end = System.nanoTime() + (long) (cfg.voiceOpenSeconds * 1e9);
        inParallel("open-voice", cfg.instances * cfg.customers, k -> {
            int inst = k / cfg.customers, cust = firstCustomer + k % cfg.customers;
            java.util.Random rnd = new java.util.Random(mix(cfg.voiceSeed + 1, k));
            while (true) {
                long gap = (long) (-Math.log(1 - rnd.nextDouble()) / perCustomer * 1e9);
                long at = System.nanoTime() + gap;
                if (at > end) {
                    return;
                }
                Thread.sleep(gap / 1_000_000, (int) (gap % 1_000_000));
                postMaybeVoice(cfg, driver, phase, inst, cust, rnd, voice);
            }
        });
    }

    // ================================================================ load shapes

    /**
     * Closed-loop turns (10 senders, each waiting for its answer), the simulated LLM at drain speed, excluded from
     * every figure: the path of a turn (claim, history, LLM call, answer, delivery) runs thousands of times, as in a
     * gateway that has been up for a while, before the overhead phase times it.
     */
    private static void warmUpTurns(BenchConfig cfg, Ledger ledger, Driver driver, String phase, int perSender)
            throws Exception {
        log(phase + ": 10 senders x " + perSender + " turns, each waiting for its answer");
        double normal = cfg.compression;
        cfg.compression = Math.max(normal, cfg.drainCompression);
        inParallel("warmup-turns", 10, t -> {
            int base = 800_000 + t * 10;
            for (int k = 0; k < perSender; k++) {
                Ledger.Sent s = driver.post(phase, k % cfg.instances, base + k % 10);
                ledger.awaitAnswer(s.marker, 60_000);
            }
        });
        cfg.compression = normal;
    }

    /**
     * Waits until the gateway's CPU use has settled (under 10 % of a core over 3 consecutive seconds, at most
     * {@code settle-max-s}): the JIT compiles for a while after a warm-up, and on 2 cores its threads would compete
     * with the turns the next phase times.
     */
    private static void settle(BenchConfig cfg, GatewayProcess gw) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + (long) (cfg.settleMaxSeconds * 1e9);
        int quiet = 0;
        long last = gw.sampleNow().gwCpuTicks();
        while (quiet < 3 && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            long now = gw.sampleNow().gwCpuTicks();
            quiet = now - last < GatewayProcess.TICKS_PER_SECOND / 10 ? quiet + 1 : 0;
            last = now;
        }
        log(String.format(Locale.ROOT, "gateway CPU %s after %.0f s", quiet >= 3 ? "settled" : "still busy",
                (System.nanoTime() - start) / 1e9));
    }

    /** One load-generating thread's work; {@code k} is its number, 0 to n - 1. */
    interface Sender {
        void run(int k) throws InterruptedException;
    }

    /** Runs {@code n} senders, each on its own thread named {@code name-k}, and waits for all of them. */
    static void inParallel(String name, int n, Sender sender) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int index = k;
            Thread t = new Thread(() -> {
                try {
                    sender.run(index);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, name + "-" + k);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    /** A few sequential exchanges so that the JIT and the pools are warm; excluded from every figure. */
    static void warmUp(BenchConfig cfg, Ledger ledger, Driver driver, String phase, int messagesPerSender)
            throws Exception {
        log("warm-up (excluded from the figures; the simulated LLM at drain speed)");
        double normal = cfg.compression;
        cfg.compression = Math.max(normal, cfg.drainCompression);
        // Against a real Ollama each turn takes tens of seconds: three messages only.
        int senders = cfg.realOllama == null ? 10 : 1;
        int perSender = cfg.realOllama == null ? messagesPerSender : 3;
        inParallel("warmup", senders, t -> {
            int base = 900_000 + t * 10;
            for (int k = 0; k < perSender; k++) {
                driver.post(phase, k % cfg.instances, base + k % 10);
            }
        });
        ledger.awaitAnswered(ledger.sentIn(phase),
                System.nanoTime() + (cfg.realOllama == null ? 120_000_000_000L : 600_000_000_000L));
        cfg.compression = normal;
    }

    /**
     * I x C customers in a closed loop: each sends a message (or, for a share of them, a burst typed 300 ms
     * apart), waits for the answer, thinks, and goes again, {@code exchanges} times. All start within 2 s.
     */
    private static void conversations(BenchConfig cfg, Ledger ledger, Driver driver) throws Exception {
        log("conversations: " + cfg.instances + " instances x " + cfg.customers + " customers");
        inParallel("customer", cfg.instances * cfg.customers, k -> {
            int inst = k / cfg.customers, cust = k % cfg.customers;
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            Thread.sleep(rnd.nextLong(2000));
            for (int e = 0; e < cfg.exchanges; e++) {
                int n = rnd.nextDouble() < cfg.burstShare ? cfg.burstSize : 1;
                Ledger.Sent last = null;
                for (int m = 0; m < n; m++) {
                    if (m > 0) {
                        Thread.sleep(300);
                    }
                    last = driver.post("conversations", inst, cust);
                }
                ledger.awaitAnswer(last.marker, (long) (cfg.drainTimeoutS * 1000));
                double think = cfg.thinkMinS + rnd.nextDouble() * (cfg.thinkMaxS - cfg.thinkMinS);
                Thread.sleep((long) (think * 1000 / cfg.compression));
            }
        });
    }

    /**
     * Open loop: every customer sends at Poisson times, at a rate that loads the LLM to {@code fairness-load}
     * in total; the customers of instance 0 send {@code factor} times faster.
     */
    private static void openLoop(BenchConfig cfg, Driver driver, String phase, double serviceS, int factor)
            throws Exception {
        double perCustomer = cfg.fairnessLoad / (serviceS * cfg.instances * cfg.customers);
        log(phase + ": " + String.format("%.4f", perCustomer) + " msg/s per customer, instance 0 x" + factor);
        long end = System.nanoTime() + (long) (cfg.fairnessSeconds * 1e9);
        int base = phase.endsWith("flood") ? 2000 : 1000;
        inParallel("open", cfg.instances * cfg.customers, k -> {
            int inst = k / cfg.customers, cust = base + k % cfg.customers;
            double rate = perCustomer * (inst == 0 ? factor : 1);
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            while (true) {
                long gap = (long) (-Math.log(1 - rnd.nextDouble()) / rate * 1e9);
                long at = System.nanoTime() + gap;
                if (at > end) {
                    return;
                }
                Thread.sleep(gap / 1_000_000, (int) (gap % 1_000_000));
                driver.post(phase, inst, cust);
            }
        });
    }

    /** One message at a time, each waiting for its reply: the LLM slot is always free when the turn starts. */
    private static void overhead(BenchConfig cfg, Ledger ledger, Driver driver) throws Exception {
        sequentialTurns(ledger, driver, "overhead", cfg.overheadSamples, 3000, cfg.instances);
    }

    private static void sequentialTurns(Ledger ledger, Driver driver, String phase, int turns, int firstCustomer,
                                        int instances) throws Exception {
        log(phase + ": " + turns + " sequential exchanges with a free slot");
        for (int k = 0; k < turns; k++) {
            Ledger.Sent s = driver.post(phase, k % instances, firstCustomer + k);
            ledger.awaitAnswer(s.marker, 60_000);
            Thread.sleep(20);
        }
    }

    /**
     * The same flood for {@code ingest-warmup-s}, excluded from every figure and drained before the measured one:
     * the figure asked for is the sustained rate of a running gateway, not of one whose JIT is still compiling.
     */
    private static void warmUpIngest(BenchConfig cfg, Ledger ledger, Driver driver) throws Exception {
        double normal = cfg.compression;
        cfg.compression = cfg.ingestCompression;
        ingest(cfg, driver, "warmup-ingest", cfg.ingestWarmupSeconds);
        long unanswered = ledger.awaitAnswered(ledger.sentIn("warmup-ingest"),
                System.nanoTime() + (long) (cfg.drainTimeoutS * 1e9));
        log("warm-up flood drained, unanswered " + unanswered);
        cfg.compression = normal;
    }

    /** As many webhooks as {@code ingest-connections} concurrent senders can push, for {@code seconds}. */
    private static void ingest(BenchConfig cfg, Driver driver, String phase, double seconds) throws Exception {
        log(phase + ": " + cfg.ingestConnections + " connections for " + seconds + " s, LLM compression "
                + cfg.compression);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
        inParallel("ingest", cfg.ingestConnections, k -> {
            while (System.nanoTime() < end) {
                long n = next.getAndIncrement() % cfg.ingestConversations;
                driver.post(phase, (int) (n % cfg.instances), 10_000 + (int) (n / cfg.instances));
            }
        });
        // The flood ran against the LLM at ingest-compression (real speed by default: a real LLM answers under one
        // turn during a 10 s burst). Its backlog is then drained fast: this phase measures ingest.
        cfg.compression = Math.max(cfg.compression, cfg.drainCompression);
    }

    private static boolean reachable(String url) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/api/version"))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    static void log(String s) {
        System.out.println("[bench " + Instant.now() + "] " + s);
    }

    interface Load {
        void run() throws Exception;
    }

    static Map<String, Object> map() {
        return new LinkedHashMap<>();
    }
}
