package io.atende.bench;

import io.atende.support.TestPostgres;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * What one claim costs in PostgreSQL, V14's and V15's atende_claim_turns against today's (V16; cache affinity off and on), on an
 * embedded PostgreSQL filled with 10 numbers and a backlog of ready conversations (each with 20 history messages).
 * Every claim runs in a transaction rolled back afterwards, so each sees the same queue. Not part of the normal run
 * (its name is no test pattern): {@code mvn -B -o -q test -Dtest=ClaimCost -Dsurefire.failIfNoSpecifiedTests=false},
 * then target/claim-cost.md (docs/bench/llm-efficiency/claim-cost.md keeps a run).
 */
class ClaimCost {

    /** Numbers the backlog is spread over; 1,000 for the internet-scale projection of docs/scale-out.md. */
    static final int INSTANCES = Integer.getInteger("claimCost.instances", 10);
    static final int CALLS = Integer.getInteger("claimCost.calls", 300);
    static final int WARMUP = 30;

    record Scenario(String name, String sql, int slots, long maxWaitMs) {
    }

    @Test
    void claimCost() throws Exception {
        StringBuilder md = new StringBuilder();
        md.append("| ready conversations | function | picks per claim | mean ms / claim | p50 | p99 | mean ms / pick |\n");
        md.append("|---:|---|---:|---:|---:|---:|---:|\n");
        for (int backlog : new int[] {100, 1_000, 10_000}) {
            if (backlog < INSTANCES) {
                continue;
            }
            String url = TestPostgres.newDatabase();
            try (Connection c = DriverManager.getConnection(url, "postgres", "")) {
                fill(c, backlog);
                List<long[]> ready = readyConversations(c);
                for (int slots : new int[] {1, 4}) {
                    String v15 = "select * from claim_turns_v15(?, 2000, 10000, 'bench', 30000, 10, 0, ?, ?, ?, 0)";
                    String v16 = "select * from atende_claim_turns(?, 2000, 10000, 'bench', 30000, 10, 0, ?, ?, ?, 0)";
                    List<Scenario> scenarios = List.of(
                            new Scenario("V14", "select * from claim_turns_v14(?, 2000, 10000, 'bench', 30000, 10, 0)",
                                    slots, -1),
                            new Scenario("V15, affinity off", v15, slots, 0),
                            new Scenario("V15, affinity on (slot's conversation ready)", v15, slots, 3_600_000),
                            new Scenario("V16, affinity off", v16, slots, 0),
                            new Scenario("V16, affinity on (slot's conversation ready)", v16, slots, 3_600_000),
                            new Scenario("V16, affinity on, past the bound (round robin)", v16, slots, 1));
                    for (Scenario s : scenarios) {
                        double[] ms = run(c, s, ready);
                        Arrays.sort(ms);
                        double mean = Arrays.stream(ms).average().orElse(0);
                        md.append(String.format(Locale.ROOT, "| %,d | %s | %d | %.2f | %.2f | %.2f | %.2f |%n", backlog,
                                s.name(), slots, mean, ms[ms.length / 2], ms[(int) Math.ceil(ms.length * 0.99) - 1],
                                mean / slots));
                    }
                }
            }
        }
        String report = "Each row: " + CALLS + " claims (after " + WARMUP + " unmeasured), each rolled back; "
                + INSTANCES + " numbers, 20 history messages per conversation, history 10 (V15: blocks of 5).\n\n" + md;
        Files.writeString(Path.of(INSTANCES == 10 ? "target/claim-cost.md" : "target/claim-cost-" + INSTANCES + ".md"), report);
        System.out.println(report);
    }

    /** Milliseconds per claim (query and rows read), each in its own rolled-back transaction. */
    static double[] run(Connection c, Scenario s, List<long[]> ready) throws SQLException {
        Random random = new Random(15);
        double[] ms = new double[CALLS];
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(s.sql())) {
            for (int i = -WARMUP; i < CALLS; i++) {
                ps.setInt(1, s.slots());
                if (s.maxWaitMs() >= 0) {
                    // this replica's free slots: each last served a random conversation of the backlog
                    Long[] instances = new Long[s.slots()];
                    Long[] conversations = new Long[s.slots()];
                    for (int k = 0; k < s.slots(); k++) {
                        long[] conv = ready.get(random.nextInt(ready.size()));
                        instances[k] = conv[0];
                        conversations[k] = conv[1];
                    }
                    Array inst = c.createArrayOf("bigint", instances);
                    Array convs = c.createArrayOf("bigint", conversations);
                    ps.setArray(2, inst);
                    ps.setArray(3, convs);
                    ps.setLong(4, s.maxWaitMs());
                }
                long start = System.nanoTime();
                int rows = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows++;
                    }
                }
                long took = System.nanoTime() - start;
                c.rollback();
                if (rows != s.slots()) {
                    throw new IllegalStateException(s.name() + ": " + rows + " picks, expected " + s.slots());
                }
                if (i >= 0) {
                    ms[i] = took / 1e6;
                }
            }
        } finally {
            c.setAutoCommit(true);
        }
        return ms;
    }

    static void fill(Connection c, int backlog) throws Exception {
        String v14 = Files.readString(Path.of("src/main/resources/db/migration/V14__voice_notes.sql"));
        String body = v14.substring(v14.indexOf("create function atende_claim_turns("))
                .replace("create function atende_claim_turns(", "create function claim_turns_v14(");
        String v15 = Files.readString(Path.of("src/main/resources/db/migration/V15__cache_affinity.sql"));
        String v15Body = v15.substring(v15.indexOf("create function atende_claim_turns("))
                .replace("create function atende_claim_turns(", "create function claim_turns_v15(");
        try (Statement st = c.createStatement()) {
            st.execute(body);
            st.execute(v15Body);
            st.execute("insert into instances (name) select 'bench-' || i from generate_series(1, " + INSTANCES + ") i");
            st.execute("""
                    insert into conversations (instance_id, contact_jid, waiting_since, last_inbound_at)
                    select id, jid, w, w + interval '1 second'
                      from (select i.id, i.id || '-' || g || '@s.whatsapp.net' as jid,
                                   now() - (20 + random() * 600) * interval '1 second' as w
                              from instances i, generate_series(1, %d) g) t
                    """.formatted(backlog / INSTANCES));
            st.execute("""
                    insert into messages (instance_id, conversation_id, direction, wa_message_id, kind, text, status)
                    select c.instance_id, c.id, case when k % 2 = 0 then 'in' else 'out' end,
                           case when k % 2 = 0 then c.id || '-' || k end,
                           case when k % 2 = 0 then 'text' else 'answer' end,
                           'mensagem de histórico número ' || k || ' da conversa ' || c.id,
                           case when k % 2 = 0 then 'answered' else 'sent' end
                      from conversations c, generate_series(1, 20) k
                    """);
            st.execute("""
                    insert into messages (instance_id, conversation_id, direction, wa_message_id, kind, text, status)
                    select c.instance_id, c.id, 'in', c.id || '-w', 'text', 'qual o horário de hoje?', 'waiting'
                      from conversations c
                    """);
            st.execute("analyze");
        }
    }

    static List<long[]> readyConversations(Connection c) throws SQLException {
        List<long[]> ready = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "select instance_id, id from conversations where waiting_since is not null order by id")) {
            while (rs.next()) {
                ready.add(new long[] {rs.getLong(1), rs.getLong(2)});
            }
        }
        return ready;
    }
}
