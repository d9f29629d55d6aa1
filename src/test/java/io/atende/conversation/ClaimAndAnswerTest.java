package io.atende.conversation;

import io.atende.llm.LlmAnswer;
import io.atende.reply.OutboundMessage;
import io.atende.reply.ReplySplitter;
import io.atende.store.Sql;
import io.atende.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The claim round and the storing of an answer (one PostgreSQL call each, V9__turn_functions.sql) on a real
 * PostgreSQL: which conversations a round claims, in which order, and what an answer leaves in the database.
 */
class ClaimAndAnswerTest {

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();

    ConversationQueue queue(int slots, Duration debounce) {
        var settings = new ConversationQueue.Settings(debounce, Duration.ofSeconds(30), Duration.ofMillis(100),
                Duration.ofSeconds(1), "", true, 10);
        return new ConversationQueue(db.tx(), settings, name -> new ReplySplitter(20, 20), () -> slots,
                new ConversationQueue.Lease("replica-a", Duration.ofSeconds(30)));
    }

    long instance(String name) {
        return db.tx().inTransaction(c -> {
            Long id = Sql.oneLong(c, "select id from instances where name = ?", name);
            return id != null ? id : Sql.oneLong(c, "insert into instances (name) values (?) returning id", name);
        });
    }

    /** A conversation waiting since {@code waitedMs} ago, its last message {@code quietMs} ago, with these texts. */
    long waiting(String instanceName, String contact, long waitedMs, long quietMs, String... texts) {
        long instance = instance(instanceName);
        return db.tx().inTransaction(c -> {
            long conv = Sql.oneLong(c, """
                    insert into conversations (instance_id, contact_jid, waiting_since, last_inbound_at)
                    values (?, ?, now() - ? * interval '1 millisecond', now() - ? * interval '1 millisecond')
                    returning id""", instance, contact, waitedMs, quietMs);
            for (int i = 0; i < texts.length; i++) {
                Sql.update(c, """
                        insert into messages (instance_id, conversation_id, direction, wa_message_id, kind, text, status)
                        values (?, ?, 'in', ?, 'text', ?, 'waiting')""", instance, conv, contact + "-" + i, texts[i]);
            }
            return conv;
        });
    }

    String state(long conv) {
        return db.tx().inTransaction(c -> Sql.one(c,
                "select state || '/' || coalesce(lease_owner, '-') || '/' || (waiting_since is null) from conversations where id = ?",
                rs -> rs.getString(1), conv));
    }

    @Test
    void aRoundClaimsNoMoreThanTheFreeSlotsRoundRobinAcrossInstancesOldestFirst() {
        long a1 = waiting("loja-a", "a1", 9_000, 5_000, "a1");
        long a2 = waiting("loja-a", "a2", 8_000, 5_000, "a2");
        long b1 = waiting("loja-b", "b1", 1_000, 1_000, "b1");
        ConversationQueue queue = queue(2, Duration.ZERO);
        Map<String, Duration> waits = new ConcurrentHashMap<>();
        queue.observeWaits((instance, waited) -> waits.merge(instance, waited, (x, y) -> x.compareTo(y) > 0 ? x : y));

        List<ClaimedTurn> first = queue.claimReady();

        // Two slots: the longest-waiting conversation of one instance, then the other instance (round robin),
        // even though loja-a's second conversation has waited longer than loja-b's.
        assertThat(first).extracting(ClaimedTurn::conversationId).containsExactly(a1, b1);
        assertThat(first.get(0).instance()).isEqualTo("loja-a");
        assertThat(first.get(1).texts()).containsExactly("b1");
        assertThat(state(a1)).isEqualTo("answering/replica-a/true");
        assertThat(state(a2)).isEqualTo("idle/-/false");
        assertThat(waits.get("loja-a")).isGreaterThanOrEqualTo(Duration.ofMillis(9_000));
        // Every slot is taken: a second round claims nothing.
        assertThat(queue.claimReady()).isEmpty();
    }

    @Test
    void aConversationAnotherTransactionHoldsIsSkippedAndTheNextInRoundRobinOrderIsClaimed() throws Exception {
        long a1 = waiting("loja-a", "a1", 9_000, 5_000, "a1");
        long a2 = waiting("loja-a", "a2", 8_000, 5_000, "a2");
        long b1 = waiting("loja-b", "b1", 1_000, 1_000, "b1");
        ConversationQueue queue = queue(1, Duration.ZERO);
        // An ingest (or a takeover) committing on round robin's first pick: its row is locked until it commits.
        try (java.sql.Connection holder = db.tx().dataSource().getConnection()) {
            holder.setAutoCommit(false);
            Sql.update(holder, "update conversations set push_name = 'x' where id = ?", a1);

            List<ClaimedTurn> turns = queue.claimReady();

            // Skipped as V15 skipped it (for update skip locked): the same number's next conversation, in order.
            assertThat(turns).extracting(ClaimedTurn::conversationId).containsExactly(a2);
            holder.rollback();
        }
        assertThat(state(a1)).isEqualTo("idle/-/false");
        assertThat(state(b1)).isEqualTo("idle/-/false");
    }

    @Test
    void debounceHoldsACustomerStillTypingAndTheClaimTakesEveryWaitingMessageInOrder() {
        long typing = waiting("loja", "typing", 1_000, 100, "um");
        long paused = waiting("loja", "paused", 500, 400, "primeira", "segunda", "terceira");
        ConversationQueue queue = queue(4, Duration.ofMillis(300));

        List<ClaimedTurn> turns = queue.claimReady();

        assertThat(turns).extracting(ClaimedTurn::conversationId).containsExactly(paused);
        assertThat(turns.get(0).texts()).containsExactly("primeira", "segunda", "terceira");
        assertThat(turns.get(0).messageIds()).isSorted().hasSize(3);
        assertThat(state(typing)).isEqualTo("idle/-/false");
        long answering = db.tx().inTransaction(c -> Sql.oneLong(c,
                "select count(*) from messages where conversation_id = ? and status = 'answering'", paused));
        assertThat(answering).isEqualTo(3);
    }

    @Test
    void aClaimedTurnCarriesTheConversationsLastAnsweredMessagesOldestFirst() {
        long conv = waiting("loja", "cliente", 1_000, 1_000, "primeira pergunta");
        ConversationQueue queue = queue(1, Duration.ZERO);
        queue.answered(queue.claimReady().get(0), LlmAnswer.of("primeira resposta", 1, 1, 1, null));
        queue.replyFinished(conv);
        long instance = instance("loja");
        db.tx().inTransaction(c -> {
            Sql.update(c, """
                    insert into messages (instance_id, conversation_id, direction, wa_message_id, kind, text, status)
                    values (?, ?, 'in', 'pergunta-2', 'text', 'segunda pergunta', 'waiting'),
                           (?, ?, 'in', 'foto', 'media', null, 'ignored')""", instance, conv, instance, conv);
            return Sql.update(c, "update conversations set waiting_since = now(), last_inbound_at = now() where id = ?", conv);
        });

        ClaimedTurn turn = queue.claimReady().get(0);

        assertThat(turn.texts()).containsExactly("segunda pergunta");
        assertThat(turn.history()).containsExactly(
                new HistoryTurn(HistoryTurn.Role.USER, "primeira pergunta"),
                new HistoryTurn(HistoryTurn.Role.ASSISTANT, "primeira resposta"));
        // The window is ATENDE_HISTORY_TURNS messages, the newest ones.
        var oneTurn = new ConversationQueue.Settings(Duration.ZERO, Duration.ofSeconds(30), Duration.ofMillis(100),
                Duration.ofSeconds(1), "", true, 1);
        ConversationQueue narrow = new ConversationQueue(db.tx(), oneTurn, name -> new ReplySplitter(20, 20),
                () -> 1, new ConversationQueue.Lease("replica-a", Duration.ofSeconds(30)));
        queue.answered(turn, LlmAnswer.of("segunda resposta", 1, 1, 1, null));
        queue.replyFinished(conv);
        waitingAgain(conv, "terceira pergunta");
        assertThat(narrow.claimReady().get(0).history()).containsExactly(
                new HistoryTurn(HistoryTurn.Role.ASSISTANT, "segunda resposta"));
    }

    void waitingAgain(long conv, String text) {
        long instance = instance("loja");
        db.tx().inTransaction(c -> {
            Sql.update(c, """
                    insert into messages (instance_id, conversation_id, direction, wa_message_id, kind, text, status)
                    values (?, ?, 'in', ?, 'text', ?, 'waiting')""", instance, conv, "id-" + text, text);
            return Sql.update(c, "update conversations set waiting_since = now(), last_inbound_at = now() where id = ?", conv);
        });
    }

    @Test
    void aStaleWaitingMarkerIsClearedWithoutTakingASlot() {
        long stale = waiting("loja", "stale", 5_000, 5_000); // marked waiting, but no message waits
        long real = waiting("loja", "real", 1_000, 1_000, "oi");
        ConversationQueue queue = queue(1, Duration.ZERO);

        List<ClaimedTurn> turns = queue.claimReady();

        assertThat(turns).extracting(ClaimedTurn::conversationId).containsExactly(real);
        assertThat(state(stale)).isEqualTo("idle/-/true");
        assertThat(queue.turnsInFlightHere()).isEqualTo(1);
    }

    @Test
    void anAnswerIsStoredAsOrderedPartsWithTheLlmFiguresOnTheFirstAndTheConversationReplies() {
        long conv = waiting("loja", "cliente", 1_000, 1_000, "oi", "tudo bem?");
        ConversationQueue queue = queue(1, Duration.ZERO);
        ClaimedTurn turn = queue.claimReady().get(0);

        List<OutboundMessage> parts = queue.answered(turn,
                LlmAnswer.of("Primeira parte aqui.\n\nSegunda parte aqui.\n\nTerceira.", 120, 30, 4_500, null));

        assertThat(parts).hasSizeGreaterThan(1);
        assertThat(parts).extracting(OutboundMessage::id).isSorted();
        record Row(long id, int index, int count, Integer inTokens, Integer outTokens, Integer millis, long answersUpTo,
                   String status, String text) {
        }
        List<Row> rows = db.tx().inTransaction(c -> Sql.query(c, """
                select id, part_index, part_count, llm_input_tokens, llm_output_tokens, llm_millis, answers_up_to,
                       status, text
                  from messages where conversation_id = ? and direction = 'out' order by id""",
                rs -> new Row(rs.getLong(1), rs.getInt(2), rs.getInt(3), (Integer) rs.getObject(4),
                        (Integer) rs.getObject(5), (Integer) rs.getObject(6), rs.getLong(7), rs.getString(8),
                        rs.getString(9)), conv));
        assertThat(rows).hasSize(parts.size());
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            assertThat(row.id()).isEqualTo(parts.get(i).id());
            assertThat(row.index()).isEqualTo(i);
            assertThat(row.count()).isEqualTo(parts.size());
            assertThat(row.status()).isEqualTo("ready");
            assertThat(row.answersUpTo()).isEqualTo(turn.lastMessageId());
            assertThat(row.inTokens()).isEqualTo(i == 0 ? 120 : null);
            assertThat(row.outTokens()).isEqualTo(i == 0 ? 30 : null);
            assertThat(row.millis()).isEqualTo(i == 0 ? 4_500 : null);
            texts.add(row.text());
        }
        assertThat(texts).isEqualTo(parts.stream().map(OutboundMessage::text).toList());
        assertThat(state(conv)).isEqualTo("replying/replica-a/true");
        long answered = db.tx().inTransaction(c -> Sql.oneLong(c,
                "select count(*) from messages where conversation_id = ? and direction = 'in' and status = 'answered'", conv));
        assertThat(answered).isEqualTo(2);
        assertThat(queue.turnsInFlightHere()).isZero();
    }
}
