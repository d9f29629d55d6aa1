package io.atende.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmark settings. Each one is read from the system property {@code bench.<name>} (e.g.
 * {@code -Dbench.instances=10}) or the environment variable {@code BENCH_<NAME>} (e.g. {@code BENCH_INSTANCES}),
 * with the default shown here. {@code OLLAMA_BASE_URL} (or {@code -Dbench.ollama-url}) switches the LLM side to
 * a real Ollama.
 */
final class BenchConfig {

    final Map<String, Object> shown = new LinkedHashMap<>();

    // load shape
    final int instances = i("instances", 10);
    final int customers = i("customers", 10);
    final int exchanges = i("exchanges", 3);
    final double burstShare = d("burst-share", 0.2);
    final int burstSize = i("burst-size", 3);
    final double thinkMinS = d("think-min-s", 20);
    final double thinkMaxS = d("think-max-s", 60);

    // LLM simulator (Mistral 7B Q4 on 4 vCPU by default)
    final int llmSlots = i("llm-slots", 1);
    final int llmMaxQueue = i("llm-max-queue", 512);
    final double promptTokensPerSecond = d("prompt-tps", 25);
    final double genTokensPerSecond = d("gen-tps", 5);
    final int replyTokens = i("reply-tokens", 100);
    /** LLM durations, think times and open-loop rates are divided by this; gateway settings never are. */
    volatile double compression = d("compression", 100);
    /** Compression used only to drain the ingest flood's backlog (that phase measures the webhook side). */
    final double drainCompression = d("drain-compression", 10000);

    // phases
    final double fairnessSeconds = d("fairness-s", 90);
    final double fairnessLoad = d("fairness-load", 0.4);
    final int floodFactor = i("flood-factor", 10);
    final int overheadSamples = i("overhead-samples", 300);
    /** Turns of the overhead phase's own shape run just before it, excluded from the figures. */
    final int overheadWarmupSamples = i("overhead-warmup-samples", 150);
    /** Wake-ups the machine-floor probe times before the gateways start (20 ms apart); 0: no probe. */
    final int wakeProbeSamples = i("wake-probe-samples", 500);
    /**
     * Turns per warm-up sender (10 senders, each waiting for its answer before the next message) before run 2,
     * whose overhead phase times single turns in milliseconds: enough turns for the JIT to compile the claim, LLM and
     * delivery paths, as in a gateway that has been running for a while. With 300 warm-up messages the JIT's
     * compiler threads still took most of the gateway's CPU during the phase (async-profiler).
     */
    final int overheadWarmupPerSender = i("overhead-warmup-per-sender", 300);
    /** After that warm-up, wait (at most this long) until the gateway's CPU use has settled. */
    final double settleMaxSeconds = d("settle-max-s", 90);
    final double ingestSeconds = d("ingest-s", 10);
    final int ingestConnections = i("ingest-connections", 32);
    final int ingestConversations = i("ingest-conversations", 500);
    /** A flood before the measured one, excluded from the figures: the JIT compiles the ingest path first. */
    final double ingestWarmupSeconds = d("ingest-warmup-s", 5);
    /**
     * LLM time compression during the ingest flood. 1: the simulated LLM at its calibrated real speed, so that it
     * answers what a real one would in those seconds (under one turn); the backlog is drained fast afterwards.
     */
    final double ingestCompression = d("ingest-compression", 1);
    /**
     * Measured floods, one after the other on the same gateway (each drained first): phases ingest, ingest-2, ...
     * The target figures are their medians, because this machine's speed varies from minute to minute.
     */
    final int ingestRepeats = i("ingest-repeats", 3);
    final double drainTimeoutS = d("drain-timeout-s", 300);

    // voice phase (not in the default phases: -Dbench.phases=voice)
    /** Share of the customers' messages that are voice notes in the voice-mix phases (the text phases: none). */
    final double voiceShare = d("voice-share", 0.25);
    final int voiceMinSeconds = i("voice-min-s", 5);
    final int voiceMaxSeconds = i("voice-max-s", 20);
    /** Exchanges per customer in the closed-loop voice phases (voice-text, voice-mix). */
    final int voiceExchanges = i("voice-exchanges", 2);
    /** Length of the open-loop voice phases (voice-open-text, voice-open-mix); 0 skips them. */
    final double voiceOpenSeconds = d("voice-open-s", 60);
    /**
     * The open-loop voice phases' rate: this share of the LLM's capacity, counted with the median call of the
     * voice-text phase, whose prompts carry more history than the open loop's fresh conversations: the realised slot
     * busy share is lower (about 0.5 at 0.7; the report shows it).
     */
    final double voiceOpenLoad = d("voice-open-load", 0.7);
    /** Time compression of the voice phases (LLM and speech-to-text durations, think times, open-loop rates). */
    final double voiceCompression = d("voice-compression", 100);
    /** One transcription costs stt-fixed-s + stt-per-audio-s x the note's seconds (whisper.cpp base, 4 vCPU). */
    final double sttFixedSeconds = d("stt-fixed-s", 1.8);
    final double sttPerAudioSecond = d("stt-per-audio-s", 0.06);
    /** Transcriptions the simulator runs at once (whisper-server: 1, one mutex per inference). */
    final int sttParallel = i("stt-parallel", 1);
    /**
     * Divide the gateway's own timers by voice-compression too in the voice run (ATENDE_DEBOUNCE_MS,
     * ATENDE_DEBOUNCE_MAX_MS, ATENDE_DISPATCH_POLL_MS at least 10 ms) and the driver's burst gap and start spread: a
     * voice note's turn waits for the later of its debounce and its transcription, and with the debounce at its real
     * 2 s against a compressed transcription every note would look free.
     */
    final boolean voiceScaleGateway = b("voice-scale-gateway", true);
    /** ATENDE_DISPATCH_POLL_MS of the voice run; 0: 250 ms / voice-compression, at least 10 ms (with the scaling on). */
    final int voicePollMs = i("voice-poll-ms", 0);
    /** Seed of the voice phases' customers: the text and the mix phases draw the same times and choices. */
    final long voiceSeed = i("voice-seed", 14);

    // prompt-cache model of the LLM simulator (issue 15; see PromptCache)
    /**
     * Model Ollama's per-slot prompt cache in every phase (rendered prompt, 1 token = 4 chars, longest common prefix
     * per slot, prompt evaluation for the rest only, replies of reply-min-tokens to reply-max-tokens). Off by default:
     * the other phases keep their cost model (all prompt tokens evaluated, replies of reply-tokens). The llm-efficiency
     * phase switches it on for its own runs whatever this says.
     */
    volatile boolean prefixCache = b("llm-prefix-cache", false);
    /** The template the simulator renders /api/chat with: auto (mistral* -> Mistral's, else ChatML), mistral, chatml, none. */
    final String llmTemplate = s("llm-template", "auto");
    /** Ollama's num_ctx when a request sets none (the gateway always sends its own). */
    final int llmDefaultNumCtx = i("llm-default-num-ctx", 4096);
    /** Reply lengths under the cache model: a deterministic draw per prompt, capped by num_predict. */
    final int replyMinTokens = i("reply-min-tokens", 40);
    final int replyMaxTokens = i("reply-max-tokens", 90);

    // llm-efficiency phase (issue 15; not in the default phases: -Dbench.phases=llm-efficiency)
    /** Which gateway runs: old (today's prompt, /api/chat, no affinity, sliding history) and/or new (the defaults). */
    final String effRuns = s("eff-runs", "old,new");
    final double effCompression = d("eff-compression", 100);
    final int effExchangesMin = i("eff-exchanges-min", 4);
    final int effExchangesMax = i("eff-exchanges-max", 6);
    /** Think time between a reply and the customer's next message, simulated seconds. */
    final double effThinkMinS = d("eff-think-min-s", 20);
    final double effThinkMaxS = d("eff-think-max-s", 90);
    /** Each customer's first message comes at a uniform draw in [0, eff-start-spread-s) simulated seconds. */
    final double effStartSpreadS = d("eff-start-spread-s", 600);
    /** Length of each number's profile (persona + facts), in tokens of 4 chars. */
    final int effProfileTokens = i("eff-profile-tokens", 600);
    final long effSeed = i("eff-seed", 15);
    /**
     * Each run's fairness sub-phases (open loop, without and with a flood), real seconds each; 0 skips them. 90 as the
     * fairness phases of run 1: at 45 s the trial's ratio read 1.1x and 3.7x for one and the same gateway.
     */
    final double effFairnessSeconds = d("eff-fairness-s", 90);
    /** Their load: this share of the run's own capacity (its median slot time in the closed loop). */
    final double effFairnessLoad = d("eff-fairness-load", 0.4);
    final int effFloodFactor = i("eff-flood-factor", 10);

    // ceiling phase (issue 16; not in the default phases: -Dbench.phases=ceiling)
    /** Every answer of the ceiling's simulated backends takes this long (a GPU host or a hosted model). */
    final double ceilingLlmMs = d("ceiling-llm-ms", 50);
    final int ceilingSlots = i("ceiling-slots", 32);
    final int ceilingBackends = i("ceiling-backends", 4);
    /** Customers who never wrote before, one message each, in the measured run (and in the excluded warm-up). */
    final int ceilingWebhooks = i("ceiling-webhooks", 3000);
    final int ceilingWarmup = i("ceiling-warmup", 3000);
    /** Offered webhooks per second (open loop): above the 200 answered turns/s the issue asks for. */
    final double ceilingRate = d("ceiling-rate", 300);
    final int ceilingConnections = i("ceiling-connections", 32);
    /** Extra gateway settings for the ceiling's replicas, as NAME=value pairs separated by commas. */
    final String ceilingGatewayEnv = s("ceiling-env", "");
    /** embedded (one replica, its own PostgreSQL), external-1 and external-2 (replicas sharing the bench's PostgreSQL). */
    final String ceilingRuns = s("ceiling-runs", "embedded,external-1,external-2");

    Map<String, String> ceilingEnv() {
        return envPairs(ceilingGatewayEnv);
    }

    /** NAME=value pairs separated by commas, as the -Dbench.*-env settings give them. */
    static Map<String, String> envPairs(String pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : pairs.split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        return m;
    }

    // scale phase (issue 16; not in the default phases: -Dbench.phases=scale; see ScaleBench)
    /** Which parts run: ingest (per transport and flood), fifty (50 numbers x 10 customers on Kafka, 2 replicas). */
    final String scaleParts = s("scale-parts", "ingest,fifty");
    /** The ingest part's transports (embedded, external, kafka) and floods (repeat, new-notices-on, new-notices-off). */
    final String scaleTransports = s("scale-transports", "embedded,external,kafka");
    final String scaleFloods = s("scale-floods", "repeat,new-notices-on,new-notices-off");
    /** Each measured flood, real seconds (closed loop, ingest-connections connections). */
    final double scaleIngestSeconds = d("scale-ingest-s", 15);
    /**
     * The same flood before it, excluded: with the full JIT (no -XX:TieredStopAtLevel=1) C2 compiles the ingest
     * path during the first seconds of a flood.
     */
    final double scaleWarmupSeconds = d("scale-warmup-s", 10);
    /**
     * ... and at least this many webhooks (at most 60 s): on a busy machine 10 s of flood are a few hundred webhooks,
     * too few for the JIT, whose compiler threads would then be counted in the measured flood's CPU.
     */
    final int scaleWarmupWebhooks = i("scale-warmup-webhooks", 5000);
    /** The fifty part: numbers, customers per number, exchanges per customer. */
    final int fiftyNumbers = i("scale-fifty-numbers", 50);
    final int fiftyCustomers = i("scale-fifty-customers", 10);
    final int fiftyExchanges = i("scale-fifty-exchanges", 3);
    final int fiftyReplicas = i("scale-fifty-replicas", 2);
    /** LLM backends (one simulator each, OLLAMA_BASE_URLS) and the slots of each. */
    final int fiftyBackends = i("scale-fifty-backends", 2);
    final int fiftyBackendSlots = i("scale-fifty-backend-slots", 2);
    /** Time compression of the fifty part: the simulators, think times and the gateway's timers are divided by it. */
    final double fiftyCompression = d("scale-fifty-compression", 100);
    /** Extra settings for the fifty part's replicas (NAME=value,...), e.g. ATENDE_CACHE_AFFINITY=off. */
    final String fiftyGatewayEnv = s("scale-fifty-env", "");

    // gateway
    final String jar = s("jar", "target/atende.jar");
    final String jvmOpts = s("jvm-opts",
            "-XX:MaxRAM=512m -XX:MaxRAMPercentage=60 -XX:MaxMetaspaceSize=128m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError");
    final int debounceMs = i("debounce-ms", 2000);
    final String outDir = s("out", "docs/bench");
    /** How often the sampler reads the gateway's and PostgreSQL's memory and CPU from /proc (peaks use VmHWM). */
    final int sampleMillis = i("sample-ms", 1000);
    final String realOllama = realOllama();
    /**
     * Comma-separated subset of conversations,fairness,overhead,ingest,voice,llm-efficiency,scale (voice,
     * llm-efficiency and scale are not in the default).
     */
    final String phases = s("phases", "conversations,fairness,overhead,ingest");

    boolean runs(String phase) {
        return java.util.Arrays.asList(phases.split(",")).contains(phase);
    }

    private String realOllama() {
        String v = System.getProperty("bench.ollama-url");
        if (v == null || v.isBlank()) {
            v = System.getenv("OLLAMA_BASE_URL");
        }
        v = v == null || v.isBlank() ? null : v.replaceAll("/+$", "");
        shown.put("ollama-url", v == null ? "(simulator)" : v);
        return v;
    }

    Path out() {
        return Path.of(outDir);
    }

    private String raw(String name) {
        String v = System.getProperty("bench." + name);
        if (v == null || v.isBlank()) {
            v = System.getenv("BENCH_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
        return v == null || v.isBlank() ? null : v.trim();
    }

    private int i(String name, int def) {
        String v = raw(name);
        int r = v == null ? def : Integer.parseInt(v);
        shown.put(name, r);
        return r;
    }

    private double d(String name, double def) {
        String v = raw(name);
        double r = v == null ? def : Double.parseDouble(v);
        shown.put(name, r);
        return r;
    }

    private boolean b(String name, boolean def) {
        String v = raw(name);
        boolean r = v == null ? def : Boolean.parseBoolean(v);
        shown.put(name, r);
        return r;
    }

    private String s(String name, String def) {
        String v = raw(name);
        String r = v == null ? def : v;
        shown.put(name, r);
        return r;
    }
}
