package io.atende.conversation;

import io.atende.llm.LlmPrompt;
import io.atende.llm.LlmSlots;
import io.atende.reply.ReplySplitter;
import io.atende.store.Sql;
import io.atende.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * atende_claim_turns with cache affinity and the block-aligned history window (V15__cache_affinity.sql), called
 * directly on a real PostgreSQL. Every timing is a timestamp set in the database, relative to now(), with margins of
 * seconds: nothing sleeps.
 */
class CacheAffinityClaimTest {

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();

    record Pick(long conversation, Integer slot, String why, List<String> history, int historyTurns) {
    }

    long instance(String name) {
        return db.tx().inTransaction(c -> {
            Long id = Sql.oneLong(c, "select id from instances where name = ?", name);
            return id != null ? id : Sql.oneLong(c, "insert into instances (name) values (?) returning id", name);
        });
    }

    /** A conversation waiting since {@code waitedMs} ago, its last message {@code quietMs} ago. */
    long waiting(String instanceName, String contact, long waitedMs, long quietMs) {
        long instance = instance(instanceName);
        return db.tx().inTransaction(c -> {
            long conv = Sql.oneLong(c, """
                    insert into conversations (instance_id, contact_jid, waiting_since, last_inbound_at)
                    values (?, ?, now() - ? * interval '1 millisecond', now() - ? * interval '1 millisecond')
                    returning id""", instance, contact, waitedMs, quietMs);
            Sql.update(c, """
                    insert into messages (instance_id, conversation_id, direction, wa_message_id, kind, text, status)
                    values (?, ?, 'in', ?, 'text', ?, 'waiting')""", instance, conv, contact + "-w", "oi " + contact);
            return conv;
        });
    }

    /** Round robin serves the instances in this order next (the least recently served first). */
    void servedInOrder(String... instances) {
        db.tx().inTransaction(c -> {
            for (String name : instances) {
                Sql.update(c, "update instances set served_seq = nextval('serve_seq') where name = ?", name);
            }
            return null;
        });
    }

    static Long[] longs(Long... values) {
        return values;
    }

    /**
     * One claim in a transaction rolled back afterwards (so each call sees the same queue), debounce 0 unless said.
     */
    List<Pick> claim(String function, int slots, long debounceMs, Long[] instances, Long[] conversations,
                     long maxWaitMs, int historyTurns, int block, boolean commit) {
        try (Connection c = db.database().dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                String extra = function.equals("atende_claim_turns")
                        ? "?, ?, ?, ?" : null;
                List<Object> params = new ArrayList<>(List.of(slots, debounceMs, 10_000L, "replica-a", 30_000L,
                        historyTurns, 0));
                String sql;
                if (extra == null) {
                    sql = "select conversation_id, null::integer as affinity_slot, null::text as affinity, history_texts,"
                            + " 0 as history_turns from " + function + "(?, ?, ?, ?, ?, ?, ?)";
                } else {
                    sql = "select conversation_id, affinity_slot, affinity, history_texts, history_turns from "
                            + function + "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
                    params.addAll(Arrays.asList(instances, conversations, maxWaitMs, block));
                }
                List<Pick> picks = Sql.query(c, sql, rs -> new Pick(rs.getLong(1), (Integer) rs.getObject(2),
                        rs.getString(3), List.of((String[]) rs.getArray(4).getArray()), rs.getInt(5)),
                        params.toArray());
                if (commit) {
                    c.commit();
                } else {
                    c.rollback();
                }
                return picks;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    List<Pick> claim(int slots, Long[] instances, Long[] conversations, long maxWaitMs) {
        return claim("atende_claim_turns", slots, 0, instances, conversations, maxWaitMs, 10, 1, false);
    }

    @Test
    void withAffinityOffTheOrderIsExactlyV14s() throws Exception {
        // V14's function under another name, to compare against
        String v14 = Files.readString(Path.of("src/main/resources/db/migration/V14__voice_notes.sql"));
        String body = v14.substring(v14.indexOf("create function atende_claim_turns("))
                .replace("create function atende_claim_turns(", "create function claim_turns_v14(");
        db.tx().inTransaction(c -> Sql.update(c, body));
        long a = instance("a");
        long b = instance("b");
        List<Long> convs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            convs.add(waiting("a", "a" + i, 50_000 - i * 1000L, 20_000 + i));
            convs.add(waiting("b", "b" + i, 40_000 + i * 3000L, 20_000));
            convs.add(waiting("c", "c" + i, 45_000 - i * 500L, 20_000));
        }
        waiting("d", "still-typing", 5_000, 100); // held by the debounce
        db.tx().inTransaction(c -> Sql.update(c, "update conversations set not_before = now() + interval '1 hour' "
                + "where id = ?", convs.get(4)));
        servedInOrder("c", "a");

        List<Pick> before = claim("claim_turns_v14", 100, 2000, null, null, 0, 10, 1, false);
        // free slots known, but affinity off (0): ignored
        List<Pick> after = claim("atende_claim_turns", 100, 2000, longs(a, b, null), longs(convs.get(5), convs.get(1), null),
                0, 10, 1, false);

        assertThat(before).hasSize(17);
        assertThat(after).extracting(Pick::conversation).containsExactlyElementsOf(
                before.stream().map(Pick::conversation).toList());
        assertThat(after).extracting(Pick::why).containsOnly("round_robin");
        assertThat(after).extracting(Pick::slot).containsOnlyNulls();
    }

    @Test
    void sameConversationBeatsSameNumberBeatsRoundRobin() {
        long a = instance("a");
        long b = instance("b");
        long d = instance("d");
        long a1 = waiting("a", "a1", 30_000, 20_000);
        long a2 = waiting("a", "a2", 20_000, 20_000);
        long b1 = waiting("b", "b1", 40_000, 20_000);
        long c1 = waiting("c", "c1", 10_000, 10_000);
        servedInOrder("a", "b"); // c was never served: round robin takes c1 next

        assertThat(claim(1, longs(d), longs(999L), 60_000)).singleElement()
                .isEqualTo(new Pick(c1, null, "round_robin", List.of(), 10));
        assertThat(claim(1, longs(a), longs(999L), 60_000)).singleElement()
                .as("same number: its conversation waiting longest").isEqualTo(new Pick(a1, 0, "instance", List.of(), 10));
        // b1 has waited longest of all, and its number is the first free slot's: the conversation match still wins
        assertThat(claim(1, longs(b, null, a), longs(999L, null, a2), 60_000)).singleElement()
                .isEqualTo(new Pick(a2, 2, "conversation", List.of(), 10));
        assertThat(claim(1, longs(b, a), longs(999L, 998L), 60_000)).singleElement()
                .as("two numbers' slots: the ready conversation waiting longest").isEqualTo(
                        new Pick(b1, 0, "instance", List.of(), 10));
        // round robin's own pick matching a slot counts as that match
        assertThat(claim(1, longs(a, instance("c")), longs(a2, c1), 60_000)).singleElement()
                .isEqualTo(new Pick(c1, 1, "conversation", List.of(), 10));
    }

    @Test
    void aSlotIsMatchedByOnePickPerCall() {
        long a = instance("a");
        long a1 = waiting("a", "a1", 30_000, 20_000);
        long a2 = waiting("a", "a2", 20_000, 20_000);
        long a3 = waiting("a", "a3", 10_000, 10_000);
        long c1 = waiting("c", "c1", 10_000, 10_000);
        servedInOrder("a");

        List<Pick> one = claim(4, longs(a), longs(a2), 60_000);
        assertThat(one).extracting(Pick::conversation).containsExactly(a2, c1, a1, a3);
        assertThat(one).extracting(Pick::slot).containsExactly(0, null, null, null);
        assertThat(one).extracting(Pick::why).containsExactly("conversation", "round_robin", "round_robin", "round_robin");

        List<Pick> two = claim(4, longs(a, a), longs(a2, 999L), 60_000);
        assertThat(two).extracting(Pick::conversation).containsExactly(a2, a1, c1, a3);
        assertThat(two).extracting(Pick::slot).containsExactly(0, 1, null, null);
        assertThat(two).extracting(Pick::why).containsExactly("conversation", "instance", "round_robin", "round_robin");
    }

    @Test
    void pastTheBoundRoundRobinWins() {
        long a = instance("a");
        long a1 = waiting("a", "a1", 30_000, 20_000);
        long c1 = waiting("c", "c1", 40_000, 10_000);
        servedInOrder("a");
        // round robin's candidate, passed over by affinity 30 s ago
        db.tx().inTransaction(c -> Sql.update(c,
                "update conversations set affinity_passed_at = now() - interval '30 seconds' where id = ?", c1));

        assertThat(claim(1, longs(a), longs(a1), 60_000)).singleElement()
                .isEqualTo(new Pick(a1, 0, "conversation", List.of(), 10));
        assertThat(claim(1, longs(a), longs(a1), 5_000)).singleElement()
                .isEqualTo(new Pick(c1, null, "fairness", List.of(), 10));
        // nothing for a slot to prefer: plain round robin, not a fairness pick
        assertThat(claim(1, longs(instance("z")), longs(999L), 5_000)).singleElement()
                .isEqualTo(new Pick(c1, null, "round_robin", List.of(), 10));
    }

    @Test
    void theBoundCountsFromTheFirstPickThatPassedTheConversationOver() {
        long a = instance("a");
        long a1 = waiting("a", "a1", 30_000, 20_000);
        long a2 = waiting("a", "a2", 20_000, 20_000);
        // waiting (and claimable) for 10 minutes already: a long queue does not switch affinity off
        long c1 = waiting("c", "c1", 600_000, 600_000);
        servedInOrder("a");
        assertThat(passedAt(c1)).isNull();

        assertThat(claim("atende_claim_turns", 1, 0, longs(a), longs(999L), 60_000, 10, 1, true)).singleElement()
                .isEqualTo(new Pick(a1, 0, "instance", List.of(), 10));
        assertThat(passedAt(c1)).as("passed over: its clock starts").isNotNull();
        assertThat(passedAt(a1)).isNull();

        // 61 s later it is still round robin's pick, and now it wins
        db.tx().inTransaction(c -> Sql.update(c,
                "update conversations set affinity_passed_at = now() - interval '61 seconds' where id = ?", c1));
        // (two slots: a1's turn holds the other)
        assertThat(claim("atende_claim_turns", 2, 0, longs(a), longs(999L), 60_000, 10, 1, true)).singleElement()
                .isEqualTo(new Pick(c1, null, "fairness", List.of(), 10));
        assertThat(passedAt(c1)).as("claimed: the clock is cleared for its next turn").isNull();
        assertThat(passedAt(a2)).isNull();
    }

    java.sql.Timestamp passedAt(long conversation) {
        return db.tx().inTransaction(c -> Sql.query(c, "select affinity_passed_at from conversations where id = ?",
                rs -> rs.getTimestamp(1), conversation).get(0));
    }

    @Test
    void affinityNeverTakesAConversationTheReadyFilterHolds() {
        long a = instance("a");
        long typing = waiting("a", "typing", 5_000, 500); // debounce 2 s (cap 10 s): still typing
        long backoff = waiting("a", "backoff", 30_000, 20_000);
        long voice = waiting("a", "voice", 30_000, 20_000);
        long c1 = waiting("c", "c1", 10_000, 10_000);
        servedInOrder("a");
        db.tx().inTransaction(c -> {
            Sql.update(c, "update conversations set not_before = now() + interval '1 minute' where id = ?", backoff);
            return Sql.update(c, """
                    insert into messages (instance_id, conversation_id, direction, wa_message_id, kind, status)
                    values (?, ?, 'in', 'note', 'voice', 'transcribing')""", a, voice);
        });

        assertThat(claim("atende_claim_turns", 4, 2_000, longs(a, a, a), longs(typing, backoff, voice), 60_000, 10, 1,
                false)).extracting(Pick::conversation).containsExactly(c1);
    }

    @Test
    void theQueueTellsTheClaimItsFreeSlotsAndReservesEachTurnsSlot() {
        long a = instance("a");
        waiting("a", "a1", 30_000, 20_000);
        long a2 = waiting("a", "a2", 20_000, 20_000);
        long c1 = waiting("c", "c1", 10_000, 10_000);
        servedInOrder("a");
        AtomicLong clock = new AtomicLong();
        LlmSlots memory = new LlmSlots(Map.of(LlmSlots.SINGLE, 2), true, Duration.ofSeconds(5), clock::get);
        memory.take(LlmSlots.SINGLE, new LlmPrompt.CacheKey(a, a2)).close();
        AtomicInteger cap = new AtomicInteger(1);
        var settings = new ConversationQueue.Settings(Duration.ZERO, Duration.ofSeconds(30), Duration.ofMillis(100),
                Duration.ofSeconds(1), "", true, 4, 0);
        ConversationQueue queue = new ConversationQueue(db.tx(), settings, name -> new ReplySplitter(20, 20), cap::get,
                new ConversationQueue.Lease("replica-a", Duration.ofSeconds(30)));
        queue.cacheAffinity(memory, Duration.ofSeconds(60));
        List<String> outcomes = new ArrayList<>();
        queue.observeAffinity(outcomes::add);

        List<ClaimedTurn> first = queue.claimReady();
        assertThat(first).extracting(ClaimedTurn::conversationId).containsExactly(a2);
        assertThat(first.get(0).historyBlock()).as("auto: half of 4").isEqualTo(2);
        assertThat(outcomes).containsExactly("conversation");
        assertThat(memory.free().slots()).as("slot 0 is a2's until its call starts").extracting(LlmSlots.Slot::index)
                .containsExactly(1);

        cap.set(2);
        assertThat(queue.claimReady()).extracting(ClaimedTurn::conversationId).containsExactly(c1);
        assertThat(outcomes).containsExactly("conversation", "round_robin");
        assertThat(memory.free().slots()).isEmpty();
        try (LlmSlots.Hold hold = memory.take(LlmSlots.SINGLE, new LlmPrompt.CacheKey(instance("c"), c1))) {
            assertThat(hold.slot().index()).isEqualTo(1);
        }

        // affinity off: the claim is told nothing
        queue.cacheAffinity(memory, Duration.ZERO);
        cap.set(3);
        assertThat(queue.claimReady()).hasSize(1);
        assertThat(outcomes).containsExactly("conversation", "round_robin", "round_robin");
    }

    /** A conversation with {@code total} earlier messages (alternating customer and answer), then one waiting. */
    long withHistory(String contact, int total) {
        long instance = instance("h");
        long conv = waiting("h", contact, 1_000, 1_000);
        db.tx().inTransaction(c -> {
            for (int i = 0; i < total; i++) {
                if (i % 2 == 0) {
                    Sql.update(c, """
                            insert into messages (instance_id, conversation_id, direction, wa_message_id, kind, text, status)
                            values (?, ?, 'in', ?, 'text', ?, 'answered')""", instance, conv, contact + i, "m" + i);
                } else {
                    Sql.update(c, """
                            insert into messages (instance_id, conversation_id, direction, kind, text, status)
                            values (?, ?, 'out', 'answer', ?, 'sent')""", instance, conv, "m" + i);
                }
            }
            return null;
        });
        return conv;
    }

    @Test
    void theHistoryWindowDropsWholeBlocksFromTheStart() {
        for (int[] hb : new int[][] {{4, 2}, {4, 1}, {6, 3}, {5, 2}, {4, 0}, {10, 0}, {0, 0}, {3, 5}}) {
            int h = hb[0];
            int setting = hb[1];
            int block = HistoryWindow.block(h, setting);
            for (int total = 0; total <= 14; total++) {
                long conv = withHistory("h" + h + "-" + setting + "-" + total, total);
                Pick pick = claim("atende_claim_turns", 1000, 0, longs(), longs(), 0, h, setting, true).get(0);
                assertThat(pick.conversation()).isEqualTo(conv);
                int kept = HistoryWindow.kept(total, h, block);
                List<String> expected = new ArrayList<>();
                for (int i = total - kept; i < total; i++) {
                    expected.add("m" + i);
                }
                assertThat(pick.history()).as("H %d, B %d, T %d", h, block, total).containsExactlyElementsOf(expected);
                assertThat(pick.historyTurns()).isEqualTo(h);
                if (total > h) {
                    assertThat(kept).isBetween(Math.max(0, h - block + 1), h);
                    assertThat((total - kept) % block).isZero();
                }
            }
        }
        assertThat(HistoryWindow.block(10, 0)).isEqualTo(5);
        assertThat(HistoryWindow.block(10, 1)).isEqualTo(1);
        assertThat(HistoryWindow.block(10, 30)).as("capped at the window").isEqualTo(10);
        assertThat(HistoryWindow.block(1, 0)).isEqualTo(1);
        // H 10, B 5: 10 kept up to T 10; then 6, 7, 8, 9, 10, 6 ...
        assertThat(List.of(10, 11, 12, 15, 16)).extracting(t -> HistoryWindow.kept(t, 10, 5))
                .containsExactly(10, 6, 7, 10, 6);
    }
}
