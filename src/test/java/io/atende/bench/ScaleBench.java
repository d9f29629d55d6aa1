package io.atende.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.atende.it.scale.KafkaBroker;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The scale phase (issue 16): {@code -Dbench.phases=scale}. Two parts, {@code -Dbench.scale-parts=ingest,fifty}:
 *
 * <ul>
 * <li><b>ingest</b>: webhooks acknowledged per second, per transport ({@code embedded}: the gateway's own embedded
 * PostgreSQL; {@code external}: a PostgreSQL server the bench starts; {@code kafka}: that server plus a real Kafka
 * broker, one replica) and per flood ({@code repeat}: 500 conversations over 10 numbers sending again and again;
 * {@code new-notices-on} / {@code new-notices-off}: every webhook from a new contact, with the busy notice at its
 * default and switched off). Each cell: a fresh gateway and database (fresh topics), the same flood as warm-up
 * (excluded), then the measured closed-loop flood. Ack latency, CPU per webhook of the gateway, PostgreSQL and the
 * broker (over the flood, and until every acknowledged webhook is stored: Kafka acknowledges before the consumer
 * persists), and a check in the database that every acknowledged webhook is stored exactly once.</li>
 * <li><b>fifty</b>: 50 numbers x 10 customers on Kafka, 2 replicas sharing the PostgreSQL server, 2 LLM backends
 * (simulators of 2 slots each, {@code OLLAMA_BASE_URLS}), closed-loop conversations spread over both replicas: lost
 * and duplicate replies, fairness between numbers, LLM time per number, peak RSS and CPU per replica.</li>
 * </ul>
 *
 * Every process runs as in production: the gateway with the Dockerfile's JVM flags ({@code bench.jvm-opts}), the
 * broker with docker-compose's heap and Kafka's default JVM options ({@link KafkaBroker.Settings#PRODUCTION}), the
 * PostgreSQL server with docker-compose's settings. Writes its own {@code report.json} and {@code report.md}. The
 * targets are reported, not asserted; the caller fails the bench on lost or duplicated messages only.
 */
final class ScaleBench {

    static final String PREFIX = "scale-";
    private static final double TICK_MS = 1000.0 / GatewayProcess.TICKS_PER_SECOND;

    /**
     * What the caller asserts on: messages lost (not stored, or never answered), duplicated, and cells that could not
     * run (nothing is known about their messages).
     */
    record Result(long lost, long duplicates, long failedCells) {
    }

    private final BenchConfig cfg;
    private final Ledger ledger;
    private final OllamaSim ollama;
    private final EvolutionSim evolution;
    private final Path workDir;
    private final Map<String, Object> report = new LinkedHashMap<>();
    private ExternalPostgres pg;
    private KafkaBroker broker;
    private long lost;
    private long duplicates;
    private long failedCells;

    private ScaleBench(BenchConfig cfg, Ledger ledger, OllamaSim ollama, EvolutionSim evolution) throws IOException {
        this.cfg = cfg;
        this.ledger = ledger;
        this.ollama = ollama;
        this.evolution = evolution;
        this.workDir = Files.createTempDirectory("atende-scale-");
    }

    /** Runs the parts asked for and writes the report into {@code out}. */
    static Result run(BenchConfig cfg, Ledger ledger, OllamaSim ollama, EvolutionSim evolution, Path out)
            throws Exception {
        List<String> parts = list(cfg.scaleParts);
        if (parts.contains("fifty") || parts.contains("ingest") && list(cfg.scaleTransports).contains("kafka")) {
            checkBrokerJars(); // before minutes of other cells
        }
        ScaleBench b = new ScaleBench(cfg, ledger, ollama, evolution);
        b.header(parts);
        try {
            if (parts.contains("ingest")) {
                b.ingestPart();
            }
            if (parts.contains("fifty")) {
                b.fiftyPart();
            }
        } finally {
            b.report.put("loadavg_at_end", Machine.loadavg());
            b.report.put("lost", b.lost);
            b.report.put("duplicated", b.duplicates);
            b.report.put("failed_cells", b.failedCells);
            b.write(out);
            b.closeInfrastructure();
        }
        return new Result(b.lost, b.duplicates, b.failedCells);
    }

    // ================================================================ machine, command, settings

    private void header(List<String> parts) {
        report.put("generated_at", Instant.now().toString());
        report.put("commit", Machine.gitCommit());
        report.put("command", command());
        Map<String, Object> machine = Machine.describe();
        machine.put("nproc", Runtime.getRuntime().availableProcessors());
        report.put("machine", machine);
        Map<String, Object> flags = CapacityBench.map();
        flags.put("gateway", cfg.jvmOpts);
        flags.put("kafka_broker", String.join(" ", KafkaBroker.Settings.PRODUCTION.jvmOptions()));
        flags.put("bench_jvm", String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
        report.put("jvm_flags", flags);
        report.put("postgres_settings", ExternalPostgres.SETTINGS);
        report.put("parts", parts);
        report.put("config", cfg.shown);
    }

    /** The command that reproduces this run: the profile, and every bench setting given on the command line. */
    private static String command() {
        StringBuilder c = new StringBuilder("mvn -B -Pbench verify");
        new TreeMap<>(System.getProperties()).forEach((k, v) -> {
            if (k.toString().startsWith("bench.")) {
                c.append(" -D").append(k).append('=').append(v);
            }
        });
        return c.toString();
    }

    // ================================================================ part ingest

    private void ingestPart() throws Exception {
        Map<String, Object> cells = CapacityBench.map();
        report.put("ingest", cells);
        for (String transport : list(cfg.scaleTransports)) {
            for (String flood : list(cfg.scaleFloods)) {
                String cell = transport + "/" + flood;
                CapacityBench.log("scale ingest " + cell);
                try {
                    cells.put(cell, ingestCell(transport, flood));
                } catch (Exception | AssertionError e) {
                    // One broken cell (a gateway that did not start) should not hide the others' figures.
                    CapacityBench.log("scale ingest " + cell + " failed: " + e);
                    cells.put(cell, Map.of("error", String.valueOf(e)));
                    failedCells++;
                }
            }
        }
    }

    private Map<String, Object> ingestCell(String transport, String flood) throws Exception {
        String name = transport + "-" + flood;
        Map<String, String> env = new LinkedHashMap<>();
        String jdbc = null;
        if (!transport.equals("embedded")) {
            jdbc = postgres().newDatabase("scale_" + name.replace('-', '_'));
            env.putAll(postgres().gatewayEnv(jdbc));
        }
        if (transport.equals("kafka")) {
            env.putAll(kafkaEnv(name));
            env.put("ATENDE_NODE_ID", name);
        }
        if (flood.endsWith("notices-off")) {
            env.put("ATENDE_BUSY_NOTICE_TEXT", ""); // documented switch: an empty text sends no notice
        }
        // The cell's database is thrown away: no need to wait at shutdown for the real-speed LLM call in flight.
        env.put("ATENDE_SHUTDOWN_S", "2");
        Map<String, Object> m = CapacityBench.map();
        m.put("gateway_env", new LinkedHashMap<>(env));
        double normal = cfg.compression;
        try (GatewayProcess gw = new GatewayProcess(cfg, PREFIX + name, ollama.baseUrl(), evolution.baseUrl(), env)) {
            gw.awaitReady(Duration.ofSeconds(180));
            String url = jdbc != null ? jdbc : embeddedJdbc(gw);
            Driver driver = new Driver(ledger, gw.baseUrl(), gw.token);
            // The simulated LLM at its calibrated real speed: in these seconds a real one answers under one turn, and
            // its recent mean (what the busy notice estimates the wait from) stays that of a CPU model.
            cfg.compression = cfg.ingestCompression;
            String warm = PREFIX + "warm-" + name;
            flood(driver, warm, flood, cfg.scaleWarmupSeconds, cfg.scaleWarmupWebhooks, 500_000);
            // Kafka: the warm-up's records still being persisted would load the measured flood; wait for them.
            awaitStored(url, ledger.sentIn(warm), Math.max(30, cfg.drainTimeoutS));
            Thread.sleep(2000);
            String phase = PREFIX + name;
            double calibration = Machine.calibrationMillis();
            long storedBefore = inboundCount(url);
            boolean embedded = jdbc == null;
            Usage before = usage(gw, embedded);
            long start = System.nanoTime();
            flood(driver, phase, flood, cfg.scaleIngestSeconds, 0, 100_000);
            long floodEnd = System.nanoTime();
            Usage atEnd = usage(gw, embedded);
            List<Ledger.Sent> sent = ledger.sentIn(phase);
            long acked = sent.stream().filter(ScaleBench::acked).count();
            long drainLimitS = (long) cfg.drainTimeoutS;
            long stored = awaitCount(url, storedBefore + acked, drainLimitS) - storedBefore;
            long drained = System.nanoTime();
            Usage atDrained = usage(gw, embedded);
            long notices = ledger.sends.stream().filter(s -> s.markers().isEmpty()
                    && s.arrivalNs() >= start && s.arrivalNs() <= drained).count();
            Map<String, Integer> check = verifyStored(url, sent);
            m.put("cpu_calibration_ms", calibration);
            m.put("loadavg_before", Machine.loadavg());
            m.putAll(floodFigures(sent, (floodEnd - start) / 1e9));
            m.put("drain_after_flood_s", Stats.r((drained - floodEnd) / 1e9));
            m.put("stored_during_flood_and_drain", stored);
            m.put("storage_rate_per_s", Stats.r(stored / ((drained - start) / 1e9)));
            m.put("database_check", check);
            m.put("busy_notices_sent", notices);
            m.put("cores_used_during_flood", coresUsed(before, atEnd, (floodEnd - start) / 1e9));
            m.put("cpu_ms_per_acked_webhook_during_flood", cpuPer(before, atEnd, acked));
            m.put("cpu_ms_per_stored_webhook_flood_and_drain", cpuPer(before, atDrained, stored));
            m.put("gateway_runqueue_wait_s_during_flood",
                    Stats.r((atEnd.gw.gwRunQueueWaitNs() - before.gw.gwRunQueueWaitNs()) / 1e9));
            m.put("gateway_peak_rss_mb", Stats.r(atDrained.gw.gwHwmKb() / 1024.0));
            m.put("postgres_pss_mb_at_end", Stats.r(atDrained.pgPssKb / 1024.0));
            if (broker != null && transport.equals("kafka")) {
                m.put("broker_rss_mb_at_end", Stats.r(atDrained.brokerRssKb / 1024.0));
                m.put("broker_peak_rss_mb_so_far", Stats.r(atDrained.brokerHwmKb / 1024.0));
            }
            lost += check.get("acked_not_stored");
            duplicates += check.get("stored_more_than_once");
        } finally {
            cfg.compression = normal;
            forget(PREFIX + "warm-" + name);
            forget(PREFIX + name);
            if (jdbc != null) {
                postgres().dropDatabase(jdbc);
            }
        }
        CapacityBench.log("scale ingest " + name + ": " + m.get("acks_per_s") + " acks/s, ack p99 "
                + ((Map<?, ?>) m.get("ack_ms")).get("p99") + " ms, check " + m.get("database_check"));
        return m;
    }

    /**
     * A closed-loop flood: {@code ingest-connections} senders, each on its own keep-alive connection, posting unique
     * message ids as fast as the acknowledgements come back, for {@code seconds} and until {@code minWebhooks} were
     * posted (at most 60 s longer). {@code repeat}: the webhooks cycle
     * over {@code ingest-conversations} conversations of 10 numbers; otherwise each comes from a new contact (numbered
     * from {@code firstContact}, so warm-up and measured flood never share one).
     */
    private void flood(Driver driver, String phase, String flood, double seconds, int minWebhooks, int firstContact)
            throws InterruptedException {
        int numbers = 10;
        boolean repeat = flood.equals("repeat");
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9), cap = end + 60_000_000_000L;
        AtomicLong next = new AtomicLong();
        CapacityBench.inParallel("scale-flood", cfg.ingestConnections, k -> {
            while (true) {
                long now = System.nanoTime();
                if (now >= cap || now >= end && next.get() >= minWebhooks) {
                    return;
                }
                long n = next.getAndIncrement();
                if (repeat) {
                    long c = n % cfg.ingestConversations;
                    driver.post(phase, (int) (c % numbers), 10_000 + (int) (c / numbers));
                } else {
                    driver.post(phase, (int) (n % numbers), firstContact + (int) (n / numbers));
                }
            }
        });
    }

    private static Map<String, Object> floodFigures(List<Ledger.Sent> sent, double seconds) {
        Map<String, Object> m = CapacityBench.map();
        List<Double> ack = new ArrayList<>();
        Map<String, Integer> answers = new TreeMap<>();
        long acked = 0;
        for (Ledger.Sent s : sent) {
            answers.merge(s.httpStatus + " " + s.ackStatus, 1, Integer::sum);
            if (acked(s)) {
                acked++;
                ack.add((s.ackNs - s.sentNs) / 1e6);
            }
        }
        Stats st = new Stats(ack);
        m.put("flood_s", Stats.r(seconds));
        m.put("webhooks_sent", sent.size());
        m.put("acked", acked);
        m.put("not_acked", sent.size() - acked);
        m.put("webhook_answers", answers);
        m.put("acks_per_s", Stats.r(acked / seconds));
        Map<String, Object> lat = CapacityBench.map();
        lat.put("p50", Stats.r(st.p(50)));
        lat.put("p99", Stats.r(st.p(99)));
        lat.put("max", Stats.r(st.max()));
        m.put("ack_ms", lat);
        return m;
    }

    /**
     * Every acknowledged webhook of the list stored exactly once in {@code messages} (by WhatsApp id), and how many
     * webhooks were stored although their POST failed (a timeout after the commit: Evolution would retry, and the
     * retry is a duplicate the unique index absorbs).
     */
    private static Map<String, Integer> verifyStored(String url, List<Ledger.Sent> sent) throws SQLException {
        Map<String, Integer> counts = new HashMap<>();
        String[] ids = sent.stream().map(s -> s.waId).toArray(String[]::new);
        try (Connection c = DriverManager.getConnection(url, ExternalPostgres.USER, "");
             PreparedStatement ps = c.prepareStatement("""
                     select wa_message_id, count(*) from messages
                      where direction = 'in' and wa_message_id = any(?) group by wa_message_id""")) {
            Array arr = c.createArrayOf("text", ids);
            ps.setArray(1, arr);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(rs.getString(1), rs.getInt(2));
                }
            }
        }
        int missing = 0, twice = 0, unacked = 0;
        for (Ledger.Sent s : sent) {
            int n = counts.getOrDefault(s.waId, 0);
            if (acked(s) && n == 0) {
                missing++;
            }
            if (n > 1) {
                twice++;
            }
            if (!acked(s) && n > 0) {
                unacked++;
            }
        }
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("acked_not_stored", missing);
        m.put("stored_more_than_once", twice);
        m.put("stored_not_acked", unacked);
        return m;
    }

    /** Waits until the acknowledged webhooks of the list are stored (Kafka: the consumers caught up). */
    private static void awaitStored(String url, List<Ledger.Sent> sent, double limitS) throws Exception {
        long acked = sent.stream().filter(ScaleBench::acked).count();
        // The warm-up's own stored count is unknown (a few from earlier): wait for the count to stop growing
        // once it covers them.
        awaitCount(url, acked, (long) limitS);
        long last = -1, now = inboundCount(url);
        while (now != last) {
            Thread.sleep(1000);
            last = now;
            now = inboundCount(url);
        }
    }

    /**
     * Polls the inbound message count (a cheap count, twice a second) until it reaches {@code target}, stops growing
     * for 30 s, or {@code limitS} passes; returns the last count.
     */
    private static long awaitCount(String url, long target, long limitS) throws Exception {
        long deadline = System.nanoTime() + limitS * 1_000_000_000L;
        long last = -1, lastChange = System.nanoTime();
        // One connection for the whole wait: a new one per poll would fork a backend each time (PostgreSQL CPU).
        try (Connection c = DriverManager.getConnection(url, ExternalPostgres.USER, "")) {
            while (true) {
                long n = inboundCount(c);
                if (n >= target || System.nanoTime() > deadline || System.nanoTime() - lastChange > 30_000_000_000L) {
                    return n;
                }
                if (n != last) {
                    last = n;
                    lastChange = System.nanoTime();
                }
                Thread.sleep(500);
            }
        }
    }

    private static long inboundCount(String url) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, ExternalPostgres.USER, "")) {
            return inboundCount(c);
        }
    }

    private static long inboundCount(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from messages where direction = 'in'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The gateway's embedded PostgreSQL, by the port its postmaster.pid records (4th line). */
    private static String embeddedJdbc(GatewayProcess gw) throws IOException {
        List<String> pid = Files.readAllLines(gw.dataDir.resolve("postgres").resolve("postmaster.pid"));
        return "jdbc:postgresql://127.0.0.1:" + pid.get(3).strip() + "/postgres";
    }

    /** The ledger keeps every webhook; a cell's are dropped once analysed (hundreds of thousands in a full run). */
    private void forget(String phase) {
        ledger.sent.values().removeIf(s -> s.phase.equals(phase));
    }

    // ================================================================ part fifty

    private void fiftyPart() throws Exception {
        Map<String, Object> m = CapacityBench.map();
        report.put("fifty", m);
        double c = cfg.fiftyCompression;
        int debounce = (int) Math.round(cfg.debounceMs / c);
        int debounceMax = (int) Math.round(10_000 / c);
        List<OllamaSim> backends = new ArrayList<>();
        List<GatewayProcess> replicas = new ArrayList<>();
        String jdbc = postgres().newDatabase("scale_fifty");
        double normal = cfg.compression;
        try {
            List<String> urls = new ArrayList<>();
            for (int b = 0; b < cfg.fiftyBackends; b++) {
                OllamaSim sim = new OllamaSim(cfg, ledger, cfg.fiftyBackendSlots);
                backends.add(sim);
                urls.add(sim.baseUrl() + "#" + cfg.fiftyBackendSlots);
            }
            Map<String, String> env = new LinkedHashMap<>();
            env.putAll(postgres().gatewayEnv(jdbc));
            env.putAll(kafkaEnv("fifty"));
            env.put("OLLAMA_BASE_URLS", String.join(",", urls));
            // The gateway's timers divided by the compression, as the simulators' durations and the think times
            // (a real-time 2 s debounce against a compressed 30 s LLM call would hold every turn for minutes).
            env.put("ATENDE_DEBOUNCE_MS", String.valueOf(debounce));
            env.put("ATENDE_DEBOUNCE_MAX_MS", String.valueOf(debounceMax));
            env.put("ATENDE_DISPATCH_POLL_MS", String.valueOf((int) Math.max(10, Math.round(250 / c))));
            env.put("ATENDE_CACHE_AFFINITY_MAX_WAIT_S", String.format(Locale.ROOT, "%.3f", 60 / c));
            // The queue-position notice would fire on compressed waits measured against its real threshold; it is a
            // sendText without an LLM call and changes no figure here.
            env.put("ATENDE_BUSY_NOTICE_S", "1000000");
            env.putAll(BenchConfig.envPairs(cfg.fiftyGatewayEnv));
            m.put("gateway_env", new LinkedHashMap<>(env));
            for (int r = 1; r <= cfg.fiftyReplicas; r++) {
                Map<String, String> own = new LinkedHashMap<>(env);
                own.put("ATENDE_NODE_ID", "replica-" + r);
                // One after the other: the first creates the topics and migrates the schema.
                GatewayProcess gw = new GatewayProcess(cfg, PREFIX + "fifty-replica-" + r, ollama.baseUrl(),
                        evolution.baseUrl(), own);
                replicas.add(gw);
                gw.awaitReady(Duration.ofSeconds(180));
            }
            List<Driver> drivers = new ArrayList<>();
            for (GatewayProcess gw : replicas) {
                drivers.add(new Driver(ledger, gw.baseUrl(), gw.token));
            }
            AtomicLong rr = new AtomicLong();
            Map<String, Integer> replicaOf = new java.util.concurrent.ConcurrentHashMap<>();
            // Each webhook to the next replica in turn, as a round-robin load balancer sends them.
            Poster next = (phase, inst, cust) -> {
                int r = (int) (rr.getAndIncrement() % drivers.size());
                Ledger.Sent s = drivers.get(r).post(phase, inst, cust);
                replicaOf.put(s.marker, r);
                return s;
            };
            fiftyWarmUp(next);
            cfg.compression = c;
            String phase = PREFIX + "fifty";
            double calibration = Machine.calibrationMillis();
            List<Usage> before = new ArrayList<>();
            for (GatewayProcess gw : replicas) {
                before.add(usage(gw, false));
            }
            long[] servedBefore = backends.stream().mapToLong(b -> b.served.get()).toArray();
            long start = System.nanoTime();
            fiftyConversations(phase, next);
            long loadEnd = System.nanoTime();
            List<Ledger.Sent> sent = ledger.sentIn(phase);
            long unanswered = awaitAnswered(sent, loadEnd + (long) (cfg.drainTimeoutS * 1e9));
            Thread.sleep(2000); // late duplicates would show up here
            List<Usage> after = new ArrayList<>();
            for (GatewayProcess gw : replicas) {
                after.add(usage(gw, false));
            }
            cfg.compression = normal;
            m.put("cpu_calibration_ms", calibration);
            m.put("compression", c);
            m.put("load_s", Stats.r((loadEnd - start) / 1e9));
            m.put("unanswered_after_drain", unanswered);
            m.putAll(fiftyAnalysis(phase, sent, debounce, debounceMax));
            Map<String, Object> perReplica = CapacityBench.map();
            long acked = sent.stream().filter(ScaleBench::acked).count();
            for (int r = 0; r < replicas.size(); r++) {
                Map<String, Object> one = CapacityBench.map();
                int replica = r;
                long webhooks = sent.stream().filter(s -> acked(s) && replicaOf.get(s.marker) == replica).count();
                long ticks = after.get(r).gw.gwCpuTicks() - before.get(r).gw.gwCpuTicks();
                one.put("webhooks_acked", webhooks);
                one.put("peak_rss_mb", Stats.r(after.get(r).gw.gwHwmKb() / 1024.0));
                one.put("cpu_s", Stats.r(ticks * TICK_MS / 1000));
                one.put("cpu_ms_per_message_all_replicas_share", Stats.r(ticks * TICK_MS / Math.max(1, acked)));
                perReplica.put("replica-" + (r + 1), one);
            }
            m.put("replicas", perReplica);
            Usage b0 = before.get(0), a0 = after.get(0);
            m.put("postgres_cpu_s", Stats.r((a0.pgCpuTicks - b0.pgCpuTicks) * TICK_MS / 1000));
            m.put("broker_cpu_s", Stats.r((a0.brokerCpuTicks - b0.brokerCpuTicks) * TICK_MS / 1000));
            m.put("bench_jvm_cpu_s", Stats.r((a0.benchCpuTicks - b0.benchCpuTicks) * TICK_MS / 1000));
            m.put("postgres_pss_mb_at_end", Stats.r(a0.pgPssKb / 1024.0));
            m.put("broker_peak_rss_mb_so_far", Stats.r(a0.brokerHwmKb / 1024.0));
            Map<String, Object> perBackend = CapacityBench.map();
            for (int b = 0; b < backends.size(); b++) {
                perBackend.put("backend-" + (b + 1), backends.get(b).served.get() - servedBefore[b]);
            }
            m.put("llm_calls_per_backend", perBackend);
        } finally {
            cfg.compression = normal;
            for (GatewayProcess gw : replicas) {
                gw.close();
            }
            for (OllamaSim sim : backends) {
                sim.close();
            }
            postgres().dropDatabase(jdbc);
        }
    }

    /** Turns at drain speed through both replicas until the JIT and the pools are warm; excluded. */
    private void fiftyWarmUp(Poster next) throws Exception {
        String phase = PREFIX + "warm-fifty";
        double normal = cfg.compression;
        cfg.compression = Math.max(normal, cfg.drainCompression);
        CapacityBench.log(phase + ": 20 senders x 15 turns, each waiting for its answer (excluded)");
        CapacityBench.inParallel("scale-warm", 20, t -> {
            for (int k = 0; k < 15; k++) {
                Ledger.Sent s = next.post(phase, (t + k) % cfg.fiftyNumbers, 900_000 + t);
                ledger.awaitAnswer(s.marker, 60_000);
            }
        });
        awaitAnswered(ledger.sentIn(phase), System.nanoTime() + 120_000_000_000L);
        cfg.compression = normal;
    }

    /**
     * The conversations shape: numbers x customers, everyone starting within 2 s (real), each sending a message (or
     * a burst), waiting for the reply, thinking, and going again, {@code scale-fifty-exchanges} times.
     */
    private void fiftyConversations(String phase, Poster next) throws InterruptedException {
        double c = cfg.compression;
        CapacityBench.log(phase + ": " + cfg.fiftyNumbers + " numbers x " + cfg.fiftyCustomers + " customers, "
                + cfg.fiftyExchanges + " exchanges, " + cfg.fiftyBackends + " backends x " + cfg.fiftyBackendSlots
                + " slots, compression " + c);
        CapacityBench.inParallel("scale-customer", cfg.fiftyNumbers * cfg.fiftyCustomers, k -> {
            int inst = k / cfg.fiftyCustomers, cust = 20_000 + k % cfg.fiftyCustomers;
            Random rnd = new Random(CapacityBench.mix(16, k));
            Thread.sleep(rnd.nextInt(2000));
            for (int e = 0; e < cfg.fiftyExchanges; e++) {
                int n = rnd.nextDouble() < cfg.burstShare ? cfg.burstSize : 1;
                Ledger.Sent last = null;
                for (int b = 0; b < n; b++) {
                    if (b > 0) {
                        long gapNs = (long) (300e6 / c);
                        Thread.sleep(gapNs / 1_000_000, (int) (gapNs % 1_000_000));
                    }
                    last = next.post(phase, inst, cust);
                }
                ledger.awaitAnswer(last.marker, (long) (cfg.drainTimeoutS * 1000));
                double think = cfg.thinkMinS + rnd.nextDouble() * (cfg.thinkMaxS - cfg.thinkMinS);
                Thread.sleep((long) (think * 1000 / c));
            }
        });
    }

    /**
     * Lost, duplicated and misrouted replies (as the capacity report counts them), and fairness between numbers:
     * per number the median wait from claimable (debounce after its last message, capped by debounce-max after
     * its first) to the LLM request, as {@code median_wait_ratio_worst_to_best_instance} in the capacity report, and
     * the median from message to reply; the LLM slot time each number got.
     */
    private Map<String, Object> fiftyAnalysis(String phase, List<Ledger.Sent> sent, int debounceMs, int debounceMaxMs) {
        Map<String, Object> m = CapacityBench.map();
        long acked = 0, lostHere = 0, dup = 0, misrouted = 0;
        Map<Integer, List<Double>> replyWait = new TreeMap<>();
        for (Ledger.Sent s : sent) {
            if (!acked(s)) {
                continue;
            }
            acked++;
            List<Long> ans = ledger.answers.get(s.marker);
            if (ans == null || ans.isEmpty()) {
                lostHere++;
                continue;
            }
            if (ans.size() > 1) {
                dup++;
            }
            long first = ans.stream().mapToLong(Long::longValue).min().getAsLong();
            replyWait.computeIfAbsent(s.instance, k -> new ArrayList<>()).add((first - s.sentNs) / 1e9);
        }
        for (Ledger.SendText st : ledger.sends) {
            for (String mk : st.markers()) {
                Ledger.Sent s = ledger.sent.get(mk);
                if (s != null && s.phase.equals(phase) && (!st.number().equals(Driver.phone(s.instance, s.customer))
                        || !st.instance().equals(Driver.instanceName(s.instance)))) {
                    misrouted++;
                }
            }
        }
        lost += lostHere;
        duplicates += dup;
        m.put("webhooks_sent", sent.size());
        m.put("acked", acked);
        m.put("not_acked", sent.size() - acked);
        m.put("lost_replies", lostHere);
        m.put("duplicate_replies", dup);
        m.put("misrouted_replies", misrouted);
        List<Ledger.LlmCall> calls = new ArrayList<>();
        for (Ledger.LlmCall c : ledger.llmCalls) {
            if (c.status() == 200 && !c.markers().isEmpty()) {
                Ledger.Sent s = ledger.sent.get(c.markers().get(0));
                if (s != null && s.phase.equals(phase)) {
                    calls.add(c);
                }
            }
        }
        m.put("llm_calls", calls.size());
        m.put("llm_requests_failed", ledger.llmCalls.stream().filter(c -> c.status() != 200
                && !c.markers().isEmpty() && ledger.sent.containsKey(c.markers().get(0))
                && ledger.sent.get(c.markers().get(0)).phase.equals(phase)).count());
        Map<Integer, List<Double>> claimWait = new TreeMap<>();
        Map<Integer, Double> slotSeconds = new TreeMap<>();
        double totalSlot = 0;
        for (Ledger.LlmCall c : calls) {
            int inst = ledger.sent.get(c.markers().get(0)).instance;
            claimWait.computeIfAbsent(inst, k -> new ArrayList<>())
                    .add((c.arrivalNs() - readyAt(c, debounceMs, debounceMaxMs)) / 1e9);
            double slot = (c.endNs() - c.slotNs()) / 1e9;
            slotSeconds.merge(inst, slot, Double::sum);
            totalSlot += slot;
        }
        Map<String, Object> perNumber = CapacityBench.map();
        for (Map.Entry<Integer, List<Double>> e : claimWait.entrySet()) {
            Map<String, Object> one = CapacityBench.map();
            one.put("turns", e.getValue().size());
            one.put("claimable_to_llm_request_median_s", Stats.r(new Stats(e.getValue()).p(50)));
            List<Double> rw = replyWait.getOrDefault(e.getKey(), List.of());
            one.put("message_to_reply_median_s", Stats.r(new Stats(rw).p(50)));
            one.put("llm_time_share", Stats.r(slotSeconds.get(e.getKey()) / totalSlot));
            perNumber.put(Driver.instanceName(e.getKey()), one);
        }
        Map<String, Object> f = CapacityBench.map();
        f.put("median_wait_ratio_worst_to_best_instance", ratio(claimWait, false));
        f.put("message_to_reply_median_ratio_worst_to_best", ratio(replyWait, false));
        // Worst over best of 50 medians of about 30 turns each widens with the numbers by sampling alone; the worst
        // number against the typical one shows whether one number is starved.
        f.put("median_wait_ratio_worst_to_median_instance", ratio(claimWait, true));
        f.put("message_to_reply_median_ratio_worst_to_median", ratio(replyWait, true));
        double minShare = slotSeconds.values().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double maxShare = slotSeconds.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        f.put("llm_time_ratio_most_to_least_served_instance", Stats.r(maxShare / minShare));
        f.put("llm_time_share_min", Stats.r(minShare / totalSlot));
        f.put("llm_time_share_max", Stats.r(maxShare / totalSlot));
        f.put("numbers_served", claimWait.size());
        List<Double> all = new ArrayList<>();
        replyWait.values().forEach(all::addAll);
        f.put("message_to_reply_s", new Stats(all).summary());
        m.put("fairness", f);
        m.put("per_number", perNumber);
        return m;
    }

    /** Worst number's median over the best number's median, or over the median number's ({@code toMedian}). */
    private static Object ratio(Map<Integer, List<Double>> byNumber, boolean toMedian) {
        List<Double> medians = new ArrayList<>();
        for (List<Double> v : byNumber.values()) {
            medians.add(new Stats(v).p(50));
        }
        if (medians.isEmpty()) {
            return null;
        }
        Stats s = new Stats(medians);
        return Stats.r(s.max() / (toMedian ? s.p(50) : s.sorted[0]));
    }

    /** When the turn became claimable: debounce after its last message, capped by debounce-max after its first. */
    private long readyAt(Ledger.LlmCall c, int debounceMs, int debounceMaxMs) {
        long minAck = Long.MAX_VALUE, maxAck = Long.MIN_VALUE;
        for (String mk : c.markers()) {
            Ledger.Sent s = ledger.sent.get(mk);
            if (s != null && s.ackNs > 0) {
                minAck = Math.min(minAck, s.ackNs);
                maxAck = Math.max(maxAck, s.ackNs);
            }
        }
        if (minAck == Long.MAX_VALUE) {
            return c.arrivalNs();
        }
        return Math.min(maxAck + debounceMs * 1_000_000L, minAck + debounceMaxMs * 1_000_000L);
    }

    /** As Ledger.awaitAnswered, for webhooks acknowledged by either transport ("accepted" or Kafka's "queued"). */
    private long awaitAnswered(List<Ledger.Sent> sent, long deadlineNanos) throws InterruptedException {
        while (true) {
            long open = sent.stream().filter(ScaleBench::acked).filter(s -> !ledger.answers.containsKey(s.marker)).count();
            if (open == 0 || System.nanoTime() > deadlineNanos) {
                return open;
            }
            Thread.sleep(100);
        }
    }

    /** Posts one customer text through one of the replicas. */
    private interface Poster {
        Ledger.Sent post(String phase, int instance, int customer);
    }

    /** 200 and stored (postgres: "accepted") or handed to Kafka ("queued"). */
    static boolean acked(Ledger.Sent s) {
        return s.httpStatus == 200 && ("accepted".equals(s.ackStatus) || "queued".equals(s.ackStatus));
    }

    // ================================================================ infrastructure

    private ExternalPostgres postgres() throws IOException {
        if (pg == null) {
            pg = new ExternalPostgres(workDir.resolve("postgres"));
            report.put("postgres_version", pg.version());
        }
        return pg;
    }

    private KafkaBroker broker() {
        if (broker == null) {
            checkBrokerJars();
            broker = KafkaBroker.start(workDir.resolve("kafka"), KafkaBroker.Settings.PRODUCTION);
            CapacityBench.log("Kafka broker on " + broker.bootstrapServers() + ", pid " + broker.pid());
        }
        return broker;
    }

    /** The broker's jars, which -Dmdep.skip=true does not copy: a clear message instead of a broker that fails. */
    private static void checkBrokerJars() {
        Path jars = KafkaBroker.jarsDir();
        boolean present;
        try (var files = Files.list(jars)) {
            present = files.anyMatch(p -> p.getFileName().toString().startsWith("kafka_2.13"));
        } catch (IOException e) {
            present = false;
        }
        if (!present) {
            throw new IllegalStateException(jars + " has no Kafka broker jars: maven-dependency-plugin copies them "
                    + "in pre-integration-test, which -Dmdep.skip=true skips. Run the bench once without "
                    + "-Dmdep.skip=true (or: mvn -B -o dependency:copy@copy-kafka-broker).");
        }
    }

    /** The Kafka transport on the bench's broker, with topics and consumer group of its own (fresh for each run). */
    private Map<String, String> kafkaEnv(String name) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("ATENDE_QUEUE", "kafka");
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker().bootstrapServers());
        env.put("ATENDE_KAFKA_TOPIC_INBOUND", PREFIX + name + ".inbound");
        env.put("ATENDE_KAFKA_TOPIC_OUTBOUND", PREFIX + name + ".outbound");
        env.put("ATENDE_KAFKA_GROUP_ID", PREFIX + name);
        return env;
    }

    private void closeInfrastructure() {
        if (broker != null) {
            broker.close();
        }
        if (pg != null) {
            pg.close();
        }
        try (var paths = Files.walk(workDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temporary directory
        }
    }

    /** CPU ticks and memory of everything a cell runs, read from /proc at one instant. */
    private record Usage(GatewayProcess.Sample gw, long pgCpuTicks, long pgPssKb, long brokerCpuTicks,
                         long brokerRssKb, long brokerHwmKb, long benchCpuTicks) {
    }

    /** {@code embeddedPostgres}: the gateway's own PostgreSQL (its sampler reads it), else the bench's server. */
    private Usage usage(GatewayProcess gw, boolean embeddedPostgres) {
        GatewayProcess.Sample s = gw.sampleNow();
        long pgCpu = s.pgCpuTicks(), pgPss = s.pgPssKb();
        if (pg != null && !embeddedPostgres) {
            long[] t = pg.usage();
            pgCpu = t[0];
            pgPss = t[1];
        }
        long brokerCpu = 0, brokerRss = 0, brokerHwm = 0;
        if (broker != null) {
            Path dir = Path.of("/proc", String.valueOf(broker.pid()));
            long[] st = ProcStat.stat(dir);
            brokerCpu = st == null ? 0 : st[1] + st[2];
            brokerRss = ProcStat.statusKb(dir, "VmRSS");
            brokerHwm = ProcStat.statusKb(dir, "VmHWM");
        }
        long[] self = ProcStat.stat(Path.of("/proc/self"));
        return new Usage(s, pgCpu, pgPss, brokerCpu, brokerRss, brokerHwm, self == null ? 0 : self[1] + self[2]);
    }

    /**
     * Cores each process kept busy on average between two readings: their sum near the machine's cores means the
     * flood was bound by the machine, not by the gateway.
     */
    private static Map<String, Object> coresUsed(Usage a, Usage b, double seconds) {
        Map<String, Object> m = CapacityBench.map();
        double ticks = seconds * GatewayProcess.TICKS_PER_SECOND;
        m.put("gateway", Stats.r((b.gw.gwCpuTicks() - a.gw.gwCpuTicks()) / ticks));
        m.put("postgres", Stats.r((b.pgCpuTicks - a.pgCpuTicks) / ticks));
        m.put("broker", Stats.r((b.brokerCpuTicks - a.brokerCpuTicks) / ticks));
        m.put("bench_jvm", Stats.r((b.benchCpuTicks - a.benchCpuTicks) / ticks));
        return m;
    }

    /** CPU ms per webhook between two readings: gateway, PostgreSQL, broker (Kafka only) and the bench's own JVM. */
    private Map<String, Object> cpuPer(Usage a, Usage b, long webhooks) {
        Map<String, Object> m = CapacityBench.map();
        double n = Math.max(1, webhooks);
        double gw = (b.gw.gwCpuTicks() - a.gw.gwCpuTicks()) * TICK_MS / n;
        double pgMs = (b.pgCpuTicks - a.pgCpuTicks) * TICK_MS / n;
        double br = (b.brokerCpuTicks - a.brokerCpuTicks) * TICK_MS / n;
        m.put("gateway", Stats.r(gw));
        m.put("postgres", Stats.r(pgMs));
        m.put("broker", Stats.r(br));
        m.put("total_server_side", Stats.r(gw + pgMs + br));
        m.put("bench_jvm_driver_and_simulators", Stats.r((b.benchCpuTicks - a.benchCpuTicks) * TICK_MS / n));
        return m;
    }

    // ================================================================ report

    private void write(Path out) throws IOException {
        Files.createDirectories(out);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("report.json").toFile(), report);
        Files.writeString(out.resolve("report.md"), ScaleReport.render(report));
        CapacityBench.log("scale report written to " + out.toAbsolutePath());
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * A PostgreSQL server of the bench's own (the zonky binaries, PostgreSQL 14), set up as docker-compose's
     * {@code postgres} service, durable (fsync and synchronous commit on, as the gateway's embedded one): the
     * external database of the {@code external} and {@code kafka} transports. Its postmaster is found by its data
     * directory; its CPU is the postmaster's and its children's, exited backends included.
     */
    static final class ExternalPostgres implements AutoCloseable {

        static final String USER = "postgres";
        static final Map<String, String> SETTINGS = settings();
        private final Path dataDir;
        private final EmbeddedPostgres server;
        private long postmaster = -1;

        ExternalPostgres(Path dataDir) throws IOException {
            this.dataDir = dataDir;
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setDataDirectory(dataDir)
                    .setCleanDataDirectory(true).setPGStartupWait(Duration.ofSeconds(60));
            SETTINGS.forEach(b::setServerConfig);
            this.server = b.start();
            CapacityBench.log("PostgreSQL server on port " + server.getPort() + ", data in " + dataDir);
        }

        private static Map<String, String> settings() {
            Map<String, String> s = new LinkedHashMap<>();
            s.put("fsync", "on");
            s.put("synchronous_commit", "on");
            s.put("shared_buffers", "112MB");
            s.put("work_mem", "4MB");
            s.put("maintenance_work_mem", "32MB");
            s.put("max_connections", "50");
            s.put("effective_cache_size", "256MB");
            s.put("max_parallel_workers_per_gather", "0");
            s.put("wal_buffers", "4MB");
            return s;
        }

        String version() {
            try (Connection c = server.getPostgresDatabase().getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("show server_version")) {
                rs.next();
                return rs.getString(1);
            } catch (SQLException e) {
                return "unknown";
            }
        }

        String newDatabase(String name) {
            try (Connection c = server.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("drop database if exists " + name);
                st.execute("create database " + name);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return server.getJdbcUrl(USER, name);
        }

        void dropDatabase(String jdbcUrl) {
            String name = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1).replaceAll("\\?.*", "");
            try (Connection c = server.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("drop database if exists " + name + " with (force)");
            } catch (SQLException e) {
                CapacityBench.log("could not drop " + name + ": " + e.getMessage());
            }
        }

        Map<String, String> gatewayEnv(String jdbcUrl) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("ATENDE_DB_URL", jdbcUrl.replaceAll("\\?.*", ""));
            env.put("ATENDE_DB_USER", USER);
            env.put("ATENDE_DB_PASSWORD", "");
            return env;
        }

        /** {CPU ticks, PSS KiB} of the postmaster and all its descendants. */
        long[] usage() {
            Map<Long, Long> parents = new HashMap<>();
            Map<Long, long[]> stats = new HashMap<>();
            try (var dirs = Files.list(Path.of("/proc"))) {
                for (Path p : (Iterable<Path>) dirs::iterator) {
                    String n = p.getFileName().toString();
                    if (n.chars().allMatch(Character::isDigit)) {
                        long[] st = ProcStat.stat(p);
                        if (st != null) {
                            parents.put(Long.parseLong(n), st[0]);
                            stats.put(Long.parseLong(n), st);
                        }
                    }
                }
            } catch (IOException e) {
                return new long[]{0, 0};
            }
            if (postmaster < 0 || !parents.containsKey(postmaster)) {
                postmaster = ProcStat.postmaster(parents.keySet(), dataDir.toAbsolutePath().toString());
            }
            long cpu = 0, pss = 0;
            for (long p : parents.keySet()) {
                if (p == postmaster || ProcStat.descends(p, postmaster, parents)) {
                    long[] st = stats.get(p);
                    cpu += st[1] + st[2] + st[3] + st[4];
                    pss += ProcStat.pssKb(Path.of("/proc", String.valueOf(p)));
                }
            }
            return new long[]{cpu, pss};
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException e) {
                CapacityBench.log("PostgreSQL server did not stop cleanly: " + e.getMessage());
            }
        }
    }
}
