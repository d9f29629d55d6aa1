package io.atende.conversation;

import io.atende.llm.LlmAnswer;
import io.atende.reply.OutboundMessage;
import io.atende.reply.ReplySplitter;
import io.atende.store.Sql;
import io.atende.support.MigratedDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two replicas' queues on one real PostgreSQL: leases keep each replica's work its own, and the work of a replica
 * that stops renewing is taken back, once, by the other.
 */
class ConversationLeasesTest {

    static final ConversationQueue.Settings SETTINGS = new ConversationQueue.Settings(Duration.ZERO,
            Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofSeconds(1), "", true, 10);

    @RegisterExtension
    final MigratedDatabase db = new MigratedDatabase();
    ConversationQueue a;
    ConversationQueue b;

    @BeforeEach
    void open() {
        a = queue("replica-a");
        b = queue("replica-b");
    }

    ConversationQueue queue(String owner) {
        return new ConversationQueue(db.tx(), SETTINGS, instance -> new ReplySplitter(4096, 4), () -> 2,
                new ConversationQueue.Lease(owner, Duration.ofSeconds(1)));
    }

    /** One conversation with one waiting customer message; returns the conversation id. */
    long waitingConversation(String contact, String text) {
        return db.tx().inTransaction(c -> {
            Long instance = Sql.oneLong(c, "select id from instances where name = 'loja'");
            if (instance == null) {
                instance = Sql.oneLong(c, "insert into instances (name) values ('loja') returning id");
            }
            long conv = Sql.oneLong(c, """
                    insert into conversations (instance_id, contact_jid, waiting_since, last_inbound_at)
                    values (?, ?, now(), now()) returning id""", instance, contact);
            Sql.update(c, """
                    insert into messages (instance_id, conversation_id, direction, wa_message_id, kind, text, status)
                    values (?, ?, 'in', ?, 'text', ?, 'waiting')""", instance, conv, "id-" + contact, text);
            return conv;
        });
    }

    String state(long conv) {
        return db.tx().inTransaction(c -> Sql.one(c, "select state || '/' || coalesce(lease_owner, '-') from conversations where id = ?",
                rs -> rs.getString(1), conv));
    }

    @Test
    void aClaimIsOwnedAndRenewedAndNotTakenWhileAlive() throws Exception {
        long conv = waitingConversation("5511900000001@s.whatsapp.net", "oi");
        List<ClaimedTurn> turns = a.claimReady();
        assertThat(turns).hasSize(1);
        assertThat(state(conv)).isEqualTo("answering/replica-a");
        // b restarts meanwhile: a live replica's turn is left alone.
        assertThat(b.recoverAfterRestart()).isEmpty();
        for (int i = 0; i < 4; i++) {
            Thread.sleep(400);
            assertThat(a.heartbeat()).isEqualTo(1);
            assertThat(b.reclaimExpired()).isEmpty();
        }
        assertThat(state(conv)).isEqualTo("answering/replica-a");
        List<OutboundMessage> reply = a.answered(turns.get(0), LlmAnswer.of("olá", 1, 1, 10, null));
        assertThat(reply).hasSize(1);
        assertThat(state(conv)).isEqualTo("replying/replica-a");
        a.replyFinished(conv);
        assertThat(state(conv)).isEqualTo("idle/-");
    }

    @Test
    void aDeadReplicasTurnIsTakenBackAndItsLateAnswerDiscarded() {
        long conv = waitingConversation("5511900000002@s.whatsapp.net", "qual o horário?");
        ClaimedTurn stale = a.claimReady().get(0);
        // a stops renewing (killed, frozen); once the lease has expired b takes the turn back.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            b.reclaimExpired();
            return state(conv).equals("idle/-");
        });
        List<ClaimedTurn> again = b.claimReady();
        assertThat(again).hasSize(1);
        assertThat(again.get(0).texts()).containsExactly("qual o horário?");
        assertThat(state(conv)).isEqualTo("answering/replica-b");
        // a wakes up with its old turn: its answer and its failure are both ignored, b's turn stands.
        assertThat(a.answered(stale, LlmAnswer.of("tarde demais", 1, 1, 10, null))).isEmpty();
        assertThat(a.llmFailed(stale, new RuntimeException("x"))).isEmpty();
        assertThat(state(conv)).isEqualTo("answering/replica-b");
        assertThat(b.answered(again.get(0), LlmAnswer.of("das 8h às 18h", 1, 1, 10, null))).hasSize(1);
        long answers = db.tx().inTransaction(c -> Sql.oneLong(c,
                "select count(*) from messages where conversation_id = ? and direction = 'out'", conv));
        assertThat(answers).as("exactly one reply").isEqualTo(1);
    }

    @Test
    void aDeadReplicasStoredReplyIsAdoptedAndDeliveredByTheOther() {
        long conv = waitingConversation("5511900000003@s.whatsapp.net", "tem pão?");
        ClaimedTurn turn = a.claimReady().get(0);
        List<OutboundMessage> parts = a.answered(turn, LlmAnswer.of("Tem sim!", 1, 1, 10, null));
        assertThat(state(conv)).isEqualTo("replying/replica-a");
        // a dies before sending: b adopts the stored reply once a's lease has expired.
        List<List<OutboundMessage>> adopted = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(b::reclaimExpired, l -> !l.isEmpty());
        assertThat(adopted).hasSize(1);
        assertThat(adopted.get(0)).extracting(OutboundMessage::id).containsExactlyElementsOf(
                parts.stream().map(OutboundMessage::id).toList());
        assertThat(state(conv)).isEqualTo("replying/replica-b");
        assertThat(b.reclaimExpired()).as("taken once").isEmpty();
        // a's late completion does not end b's delivery.
        a.replyFinished(conv);
        assertThat(state(conv)).isEqualTo("replying/replica-b");
        b.replyFinished(conv);
        assertThat(state(conv)).isEqualTo("idle/-");
    }

    @Test
    void aReplyRecordReadAgainAfterItsDeliveryLeavesTheNextReplysLeaseAlone() {
        long conv = waitingConversation("5511900000005@s.whatsapp.net", "oi");
        ClaimedTurn turn = a.claimReady().get(0);
        List<Long> first = a.answered(turn, LlmAnswer.of("olá", 1, 1, 10, null)).stream().map(OutboundMessage::id).toList();
        // b consumes the reply's record (Kafka transport): its parts are pending, the conversation is b's to deliver.
        assertThat(b.adoptReply(conv, first)).isTrue();
        assertThat(state(conv)).isEqualTo("replying/replica-b");
        db.tx().inTransaction(c -> Sql.update(c, "update messages set status = 'sent' where id = any(?)",
                (Object) first.toArray(Long[]::new)));
        b.replyFinished(conv);
        // The conversation's next reply, a's to deliver.
        db.tx().inTransaction(c -> Sql.update(c,
                "update conversations set state = 'replying', lease_owner = 'replica-a', lease_until = now() + interval '1 minute' where id = ?",
                conv));
        // The first record read again (its commit lost with the broker): nothing of it is pending, nothing adopted.
        assertThat(b.adoptReply(conv, first)).isFalse();
        assertThat(state(conv)).isEqualTo("replying/replica-a");
        a.replyFinished(conv);
        assertThat(state(conv)).as("a's delivery ends the conversation's reply").isEqualTo("idle/-");
    }

    @Test
    void aRestartedReplicaTakesItsOwnLeasesBackAtOnce() {
        long conv = waitingConversation("5511900000004@s.whatsapp.net", "bom dia");
        a.claimReady();
        ConversationQueue aAgain = queue("replica-a");
        assertThat(aAgain.recoverAfterRestart()).isEmpty();
        assertThat(state(conv)).isEqualTo("idle/-");
        assertThat(aAgain.claimReady()).hasSize(1);
    }

    /** Frees one LLM slot the way another replica would: this queue is not told. */
    void freeSlotBehindItsBack(long conv) {
        db.tx().inTransaction(c -> Sql.update(c, "update conversations set state = 'replying' where id = ?", conv));
    }

    @Test
    void whileThisJvmHoldsEverySlotWakeUpsSkipTheClaimUntilOneOfItsTurnsEnds() {
        a.trustFullFor(Duration.ofSeconds(30));
        waitingConversation("5511900000011@s.whatsapp.net", "oi");
        waitingConversation("5511900000012@s.whatsapp.net", "oi");
        List<ClaimedTurn> turns = a.claimReady();
        assertThat(turns).hasSize(2); // both slots, both held by a
        assertThat(a.turnsInFlightHere()).isEqualTo(2);
        assertThat(a.slotMayBeFree()).isFalse();

        long z = waitingConversation("5511900000013@s.whatsapp.net", "oi");
        // A slot freed without a being told (not a real case while a holds every slot): the trust is what skips.
        freeSlotBehindItsBack(turns.get(0).conversationId());
        assertThat(a.claimReady()).as("trusted: no claim transaction").isEmpty();
        assertThat(b.claimReady()).as("a queue without that knowledge claims the free slot")
                .singleElement().extracting(ClaimedTurn::conversationId).isEqualTo(z);

        // One of a's turns ends: a holds fewer than every slot, and claims again on the next wake-up.
        long w = waitingConversation("5511900000014@s.whatsapp.net", "oi");
        a.answered(turns.get(1), LlmAnswer.of("olá", 1, 1, 10, null));
        assertThat(a.turnsInFlightHere()).isEqualTo(1);
        assertThat(a.slotMayBeFree()).isTrue();
        List<ClaimedTurn> next = a.claimReady();
        assertThat(next).singleElement().extracting(ClaimedTurn::conversationId).isEqualTo(w);
    }

    @Test
    void aReplicaHoldingOnlySomeOfTheSlotsKeepsClaiming() {
        a.trustFullFor(Duration.ofSeconds(30));
        b.trustFullFor(Duration.ofSeconds(30));
        waitingConversation("5511900000041@s.whatsapp.net", "oi");
        assertThat(a.claimReady()).hasSize(1);
        waitingConversation("5511900000042@s.whatsapp.net", "oi");
        List<ClaimedTurn> bTurns = b.claimReady();
        assertThat(bTurns).hasSize(1); // every slot is now taken, one by each replica
        long x = waitingConversation("5511900000043@s.whatsapp.net", "oi");
        assertThat(a.claimReady()).as("full").isEmpty();
        // b's turn ends: a is not told, but it holds only one of the two slots, so its next wake-up claims.
        b.answered(bTurns.get(0), LlmAnswer.of("olá", 1, 1, 10, null));
        assertThat(a.slotMayBeFree()).isTrue();
        assertThat(a.claimReady()).singleElement().extracting(ClaimedTurn::conversationId).isEqualTo(x);
    }

    @Test
    void theTrustExpires() throws Exception {
        a.trustFullFor(Duration.ofMillis(100));
        waitingConversation("5511900000021@s.whatsapp.net", "oi");
        waitingConversation("5511900000022@s.whatsapp.net", "oi");
        List<ClaimedTurn> turns = a.claimReady();
        assertThat(turns).hasSize(2);
        waitingConversation("5511900000023@s.whatsapp.net", "oi");
        freeSlotBehindItsBack(turns.get(0).conversationId());
        Thread.sleep(150); // longer than the trust: the next wake-up claims again
        assertThat(a.claimReady()).hasSize(1);
    }

    @Test
    void withoutTrustEveryWakeUpClaims() {
        waitingConversation("5511900000031@s.whatsapp.net", "oi");
        waitingConversation("5511900000032@s.whatsapp.net", "oi");
        List<ClaimedTurn> turns = a.claimReady();
        assertThat(turns).hasSize(2);
        waitingConversation("5511900000033@s.whatsapp.net", "oi");
        freeSlotBehindItsBack(turns.get(0).conversationId());
        assertThat(a.claimReady()).hasSize(1);
    }
}
