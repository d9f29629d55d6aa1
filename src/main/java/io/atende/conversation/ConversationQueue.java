package io.atende.conversation;

import io.atende.llm.LlmAnswer;
import io.atende.llm.LlmSlots;
import io.atende.reply.Notices;
import io.atende.reply.OutboundMessage;
import io.atende.reply.ReplySplitter;
import io.atende.store.Sql;
import io.atende.store.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The durable work queue in PostgreSQL, and each conversation's state machine:
 * <pre>
 *   idle --claim--> answering --reply stored--> replying --delivered--> idle
 *                        \--LLM failed--> idle (messages waiting again, with backoff)
 * </pre>
 * Claiming is serialised by a transaction-scoped advisory lock, so the number of conversations in
 * {@code answering} never exceeds the LLM's slots, even with several claimers (or, later, several replicas).
 * Waiting work waits here, never in Ollama's queue.
 */
public final class ConversationQueue {

    private static final Logger LOG = LoggerFactory.getLogger(ConversationQueue.class);

    /**
     * @param debounce            messages closer than this become one turn (quiet time after the last message)
     * @param debounceMax         a customer who keeps typing is still answered after this long
     * @param fallbackText        sent at once when the LLM fails (once per wait); blank: none
     * @param answerAfterRecovery keep failed turns pending and answer them when the LLM is back (else: fallback only)
     * @param historyTurns        earlier messages (customer texts and answers) each claimed turn carries for the prompt
     * @param historyBlock        the history window drops whole blocks of this many messages (ATENDE_HISTORY_BLOCK;
     *                            0: half the window; 1: a sliding window), see {@link HistoryWindow}
     */
    public record Settings(Duration debounce, Duration debounceMax, Duration retryBase,
                           Duration retryMax, String fallbackText, boolean answerAfterRecovery, int historyTurns,
                           int historyBlock) {
        public Settings {
            if (historyTurns < 0) {
                throw new IllegalArgumentException("atende.history.turns must not be negative");
            }
            if (historyBlock < 0) {
                throw new IllegalArgumentException("atende.history.block must not be negative");
            }
            fallbackText = fallbackText == null ? "" : fallbackText.strip();
        }

        /** The history window in blocks of half its size (the default). */
        public Settings(Duration debounce, Duration debounceMax, Duration retryBase, Duration retryMax,
                        String fallbackText, boolean answerAfterRecovery, int historyTurns) {
            this(debounce, debounceMax, retryBase, retryMax, fallbackText, answerAfterRecovery, historyTurns, 0);
        }
    }

    private final Transactions tx;
    private final Settings settings;
    /** Each number's split of long answers (its profile's). */
    private final Function<String, ReplySplitter> splitters;
    private final ClaimCoalescer<ClaimedTurn> wakeUps = new ClaimCoalescer<>();
    private final IntSupplier slots;
    private final Lease lease;
    private volatile int transcriptionSlots;
    /** What this replica's LLM slots served last; null: none known, plain round robin. */
    private volatile LlmSlots cacheSlots;
    private volatile long affinityMaxWaitMs;
    private volatile Consumer<String> affinityObserver = outcome -> { };

    /**
     * Which replica owns the work it claims, and for how long without a renewal (see V6__conversation_leases.sql).
     *
     * @param owner    this replica's id (ATENDE_NODE_ID); stable across restarts of the same replica
     * @param duration how long a claim stays owned without a heartbeat before another replica takes it back
     */
    public record Lease(String owner, Duration duration) {
        public Lease {
            if (owner == null || owner.isBlank()) {
                throw new IllegalArgumentException("the lease owner (ATENDE_NODE_ID) must not be blank");
            }
            if (duration.toMillis() < 1000) {
                throw new IllegalArgumentException("the lease must last at least one second");
            }
        }
    }
    private volatile BiConsumer<String, Duration> waitObserver = (instance, waited) -> { };
    /** Each number's fallback text (its profile's); empty: none. */
    private volatile Function<String, String> fallbackTexts;

    /**
     * While this JVM's own turns hold every LLM slot, no claim can succeed anywhere until one of them ends (and the
     * turn that ends wakes the dispatcher itself); wake-ups then skip the claim transaction. As a guard against a
     * miscount, this is trusted only for this long after the last claim round. Zero: never trusted.
     */
    private volatile long trustFullNanos;
    /** LLM turns claimed by this JVM and not yet ended (answer stored or failure recorded). */
    private final AtomicInteger turnsHere = new AtomicInteger();
    /** When the last claim round of this JVM finished. */
    private volatile long lastRoundNanos;

    /**
     * @param splitters how each number's answers are cut into messages, by instance name
     * @param slots     LLM calls allowed in flight right now, across all replicas (with several Ollama backends: the
     *                  slots of the healthy ones)
     */
    public ConversationQueue(Transactions tx, Settings settings, Function<String, ReplySplitter> splitters,
                             IntSupplier slots, Lease lease) {
        this.tx = tx;
        this.settings = settings;
        this.fallbackTexts = instance -> settings.fallbackText();
        this.splitters = splitters;
        this.slots = slots;
        this.lease = lease;
    }

    public Lease lease() {
        return lease;
    }

    /** Where each number's fallback text comes from (its profile); without it, {@link Settings#fallbackText()}. */
    public void fallbackTexts(Function<String, String> byInstance) {
        this.fallbackTexts = byInstance;
    }

    /** Told, for each claimed turn, its instance and how long the conversation waited for it (atende_wait_seconds). */
    public void observeWaits(BiConsumer<String, Duration> observer) {
        this.waitObserver = observer;
    }

    /**
     * Claims as many ready conversations as there are free LLM slots, one instance after another in round robin
     * (the instance served least recently goes first), and inside an instance the conversation waiting longest; with
     * cache affinity ({@link #cacheAffinity}), a free slot's own conversation or number first, within the bound.
     */
    public List<ClaimedTurn> claimReady() {
        if (knownFull()) {
            return List.of();
        }
        // Wake-ups coalesce: every committed webhook asks for a claim, but while one claim runs in this JVM the
        // others only flag that another round is due, and the running claimer does it. Otherwise a burst of webhooks
        // queues one claim transaction each behind the advisory lock, each holding a pooled connection the webhooks
        // themselves need.
        return wakeUps.request(this::claimRound, e ->
                // Turns already claimed must still be handed out; the next poll retries the rest.
                LOG.warn("Claim round failed after turns were claimed: {}", e.getMessage()));
    }

    /**
     * True while this JVM's own turns hold every LLM slot (and a claim round ran within {@link #trustFullFor}). During
     * a flood of webhooks with the slots busy this spares a claim transaction per webhook. A replica that holds only some of the slots keeps claiming on every wake-up, since another
     * replica's slot may free at any moment.
     */
    private boolean knownFull() {
        return trustFullNanos > 0 && turnsHere.get() >= slots.getAsInt()
                && System.nanoTime() - lastRoundNanos < trustFullNanos;
    }

    /** False while this JVM's own turns hold every LLM slot (see {@link #knownFull()}): waking is useless. */
    public boolean slotMayBeFree() {
        return !knownFull();
    }

    /**
     * Voice notes are transcribed, at most this many at once (ATENDE_STT_PARALLEL; 0 without speech to text): a turn
     * never takes the LLM slot a note waiting for its transcription may take (V14).
     */
    public void transcriptionsMayTake(int slots) {
        transcriptionSlots = slots;
    }

    /**
     * Prefer, for a free LLM slot of this replica, the conversation it served last, else its number (their prompts
     * share the slot's cached prefix), while affinity has been passing over the conversation round robin would serve
     * for less than {@code maxWait}; zero: plain round robin (V15__cache_affinity.sql).
     */
    public void cacheAffinity(LlmSlots slots, Duration maxWait) {
        this.cacheSlots = slots;
        this.affinityMaxWaitMs = maxWait == null ? 0 : Math.max(0, maxWait.toMillis());
    }

    /** Told, for each claimed turn, how it was matched to a slot (atende_llm_cache_affinity_total{outcome}). */
    public void observeAffinity(Consumer<String> observer) {
        this.affinityObserver = observer;
    }

    /** Trust that this JVM holds every slot for this long after a claim round (zero: always run the claim). */
    public void trustFullFor(Duration d) {
        trustFullNanos = d.toNanos();
    }

    /** LLM turns claimed by this JVM and not yet ended. */
    public int turnsInFlightHere() {
        return turnsHere.get();
    }

    private void turnEnded() {
        turnsHere.updateAndGet(n -> Math.max(0, n - 1));
    }

    private List<ClaimedTurn> claimRound() {
        int slotsNow = slots.getAsInt();
        LlmSlots memory = cacheSlots;
        long maxWaitMs = memory == null || !memory.affinity() ? 0 : affinityMaxWaitMs;
        LlmSlots.Free free = maxWaitMs > 0 ? memory.free() : LlmSlots.Free.NONE;
        // One call (V15__cache_affinity.sql): the advisory lock, the free slots, each claim and its history, in one
        // round trip.
        record Claim(ClaimedTurn turn, Duration waited, Integer slot, String affinity) {
        }
        List<Claim> claims = tx.inOneStatement(c -> Sql.query(c,
                "select * from atende_claim_turns(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rs -> new Claim(claimedTurn(rs, settings.historyBlock()), Duration.ofMillis(rs.getLong("waited_ms")),
                        (Integer) rs.getObject("affinity_slot"), rs.getString("affinity")),
                slotsNow, settings.debounce().toMillis(), settings.debounceMax().toMillis(), lease.owner(),
                lease.duration().toMillis(), settings.historyTurns(), transcriptionSlots,
                free.instanceIds(), free.conversationIds(), maxWaitMs, settings.historyBlock()));
        turnsHere.addAndGet(claims.size());
        lastRoundNanos = System.nanoTime();
        List<ClaimedTurn> turns = new ArrayList<>(claims.size());
        for (Claim claim : claims) {
            waitObserver.accept(claim.turn().instance(), claim.waited());
            affinityObserver.accept(claim.affinity());
            turns.add(claim.turn());
        }
        if (memory != null && !claims.isEmpty()) {
            // each turn keeps its slot until its call starts, so the next round does not match that slot again
            memory.assign(free, claims.stream().map(k -> new LlmSlots.Pick(k.turn().conversationId(), k.slot())).toList());
        }
        return turns;
    }

    private static ClaimedTurn claimedTurn(ResultSet rs, int historyBlock) throws SQLException {
        return new ClaimedTurn(rs.getLong("conversation_id"), rs.getLong("instance_id"), rs.getString("instance"),
                rs.getString("contact_jid"), List.of((Long[]) rs.getArray("message_ids").getArray()),
                List.of((String[]) rs.getArray("texts").getArray()),
                HistoryTurn.fromColumns(Arrays.asList((String[]) rs.getArray("history_directions").getArray()),
                        Arrays.asList((String[]) rs.getArray("history_texts").getArray())),
                HistoryWindow.block(rs.getInt("history_turns"), historyBlock));
    }

    /**
     * Stores the answer's reply, split into messages as its number's profile says, and moves the conversation to
     * {@code replying}: its LLM slot is free again, but its next turn waits until this reply is delivered
     * (per-conversation order). The model's own text goes with the first part, for the history of later prompts.
     */
    public List<OutboundMessage> answered(ClaimedTurn turn, LlmAnswer answer) {
        try {
            return storeAnswer(turn, answer);
        } finally {
            turnEnded();
        }
    }

    private List<OutboundMessage> storeAnswer(ClaimedTurn turn, LlmAnswer answer) {
        List<String> parts = splitters.apply(turn.instance()).split(answer.reply());
        if (parts.isEmpty() || answer.text().isBlank()) {
            throw new IllegalStateException("the model returned an empty reply");
        }
        List<Long> ids = tx.inOneStatement(c -> Sql.query(c,
                "select message_id from atende_store_answer(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) order by part_index",
                rs -> rs.getLong(1),
                turn.conversationId(), lease.owner(), lease.duration().toMillis(),
                turn.messageIds().toArray(Long[]::new), parts.toArray(String[]::new), turn.lastMessageId(),
                answer.inputTokens(), answer.outputTokens(), (int) Math.min(Integer.MAX_VALUE, answer.millis()),
                answer.text()));
        if (ids.isEmpty()) {
            LOG.warn("Answer for conversation {} discarded: its lease was taken over by another replica "
                    + "(the turn is answered there, once)", turn.conversationId());
            return List.of();
        }
        List<OutboundMessage> out = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            out.add(new OutboundMessage(ids.get(i), turn.conversationId(), turn.instance(), turn.contactJid(), "answer",
                    parts.get(i), i, parts.size()));
        }
        return out;
    }

    /**
     * The LLM call failed (error, timeout, or its circuit breaker is open). The customer gets the fallback text at
     * once (once per wait). With answer-after-recovery the messages wait again and the conversation is retried after
     * an exponential backoff; without it the fallback is the final answer.
     *
     * @return the fallback notice to deliver now (empty when none is due)
     */
    public List<OutboundMessage> llmFailed(ClaimedTurn turn, Throwable error) {
        try {
            return storeFailure(turn, error);
        } finally {
            turnEnded();
        }
    }

    private List<OutboundMessage> storeFailure(ClaimedTurn turn, Throwable error) {
        return tx.inTransaction(c -> {
            if (!stillOwned(c, turn)) {
                LOG.warn("LLM failure for conversation {} ignored: its lease was taken over by another replica",
                        turn.conversationId());
                return List.<OutboundMessage>of();
            }
            Long[] ids = turn.messageIds().toArray(Long[]::new);
            boolean fallbackDue;
            if (settings.answerAfterRecovery()) {
                Sql.update(c, """
                        update messages set status = 'waiting', updated_at = now()
                         where id = any(?) and status = 'answering'""", (Object) ids);
                int failures = Sql.oneLong(c, """
                        update conversations
                           set state = 'idle', state_since = now(), llm_failures = llm_failures + 1,
                               lease_owner = null, lease_until = null,
                               waiting_since = least(coalesce(waiting_since, 'infinity'),
                                   (select min(received_at) from messages where id = any(?)))
                         where id = ?
                        returning llm_failures""", ids, turn.conversationId()).intValue();
                Duration delay = backoff(failures);
                Sql.update(c, "update conversations set not_before = now() + ? * interval '1 millisecond' where id = ?",
                        delay.toMillis(), turn.conversationId());
                fallbackDue = Sql.oneLong(c, "select id from conversations where id = ? and fallback_sent_at is null",
                        turn.conversationId()) != null;
                LOG.warn("LLM call failed for conversation {} (failure {}), retrying in {} ms: {}",
                        turn.conversationId(), failures, delay.toMillis(), error == null ? "-" : error.toString());
            } else {
                Sql.update(c, """
                        update messages set status = 'fallback', updated_at = now()
                         where id = any(?) and status = 'answering'""", (Object) ids);
                Sql.update(c, """
                        update conversations set state = 'idle', state_since = now(), llm_failures = 0, not_before = null,
                               lease_owner = null, lease_until = null
                         where id = ?""", turn.conversationId());
                fallbackDue = true;
                LOG.warn("LLM call failed for conversation {}, answered with the fallback text only: {}",
                        turn.conversationId(), error == null ? "-" : error.toString());
            }
            String fallback = fallbackTexts.apply(turn.instance());
            if (!fallbackDue || fallback == null || fallback.isBlank()) {
                return List.of();
            }
            Sql.update(c, "update conversations set fallback_sent_at = now() where id = ?", turn.conversationId());
            return List.of(Notices.queue(c, turn.instanceId(), turn.conversationId(), turn.instance(),
                    fallback.strip(), turn.lastMessageId()));
        });
    }

    Duration backoff(int failures) {
        long factor = 1L << Math.min(failures - 1, 20);
        Duration d = settings.retryBase().multipliedBy(factor);
        return d.compareTo(settings.retryMax()) > 0 ? settings.retryMax() : d;
    }

    /**
     * A batch of parts has reached its end (each sent or dead). When it held an answer, the conversation may take
     * its next turn; a notice never held the conversation. A batch rebuilt after a restart may start with a notice
     * and carry the answer after it, so every part counts, not only the first.
     */
    public void deliveryFinished(List<OutboundMessage> parts) {
        if (parts == null) {
            return;
        }
        parts.stream().filter(p -> "answer".equals(p.kind())).map(OutboundMessage::conversationId).distinct()
                .forEach(this::replyFinished);
    }

    public void replyFinished(long conversationId) {
        tx.inOneStatement(c -> Sql.update(c, """
                update conversations set state = 'idle', state_since = now(), lease_owner = null, lease_until = null
                 where id = ? and state = 'replying' and (lease_owner = ? or lease_owner is null)""",
                conversationId, lease.owner()));
    }

    /** In the claim's transaction: is this turn still this replica's (not taken back after an expired lease)? */
    private boolean stillOwned(Connection c, ClaimedTurn turn) throws SQLException {
        return Sql.oneLong(c, """
                select id from conversations
                 where id = ? and state = 'answering' and lease_owner = ?
                 for update""", turn.conversationId(), lease.owner()) != null;
    }

    /** Renews the leases of the work this replica holds; run well within the lease duration. */
    public int heartbeat() {
        return tx.inTransaction(c -> Sql.update(c, """
                update conversations set lease_until = now() + ? * interval '1 millisecond'
                 where lease_owner = ? and state in ('answering', 'replying')""",
                lease.duration().toMillis(), lease.owner()));
    }

    /**
     * Takes back the work of replicas that stopped renewing their leases (killed, frozen, cut off). Turns that were
     * at the LLM wait again (answered once, by whoever claims them next); replies already stored are adopted by this
     * replica and returned for delivery, grouped per conversation and in order.
     */
    public List<List<OutboundMessage>> reclaimExpired() {
        return tx.inTransaction(c -> {
            List<Long> answering = Sql.query(c, """
                    select id from conversations
                     where state = 'answering' and lease_until < now()
                     for update skip locked""", rs -> rs.getLong(1));
            if (!answering.isEmpty()) {
                Long[] ids = answering.toArray(Long[]::new);
                Sql.update(c, """
                        update messages set status = 'waiting', updated_at = now()
                         where conversation_id = any(?) and direction = 'in' and status = 'answering'""", (Object) ids);
                Sql.update(c, """
                        update conversations c
                           set state = 'idle', state_since = now(), lease_owner = null, lease_until = null,
                               waiting_since = (select min(m.received_at) from messages m
                                                 where m.conversation_id = c.id and m.direction = 'in' and m.status = 'waiting')
                         where c.id = any(?)""", (Object) ids);
                LOG.warn("Took back {} conversation(s) whose LLM turn was held by a replica that stopped renewing its lease",
                        answering.size());
            }
            List<Long> replying = Sql.query(c, """
                    update conversations set lease_owner = ?, lease_until = now() + ? * interval '1 millisecond'
                     where id in (select id from conversations
                                   where state = 'replying' and lease_until < now()
                                   for update skip locked)
                    returning id""", rs -> rs.getLong(1), lease.owner(), lease.duration().toMillis());
            if (replying.isEmpty()) {
                return List.<List<OutboundMessage>>of();
            }
            List<List<OutboundMessage>> batches = pendingReplies(c, replying);
            // Nothing left to send: the dead replica had delivered everything but not said so.
            Sql.update(c, """
                    update conversations c set state = 'idle', state_since = now(), lease_owner = null, lease_until = null
                     where c.id = any(?) and not exists (
                        select 1 from messages m where m.conversation_id = c.id and m.direction = 'out'
                           and m.status in ('ready', 'sending'))""", (Object) replying.toArray(Long[]::new));
            LOG.warn("Adopted {} reply(ies) left undelivered by a replica that stopped renewing its lease", batches.size());
            return batches;
        });
    }

    /**
     * A reply published to another replica (Kafka transport): the replica that delivers it owns the conversation
     * from now on, so that its death, not the publisher's, is what hands the delivery to someone else.
     * <p>
     * Only while some of the record's parts are still to be sent: a record read again after its reply was delivered
     * (Kafka delivers at least once - an offset commit lost with the broker, a publish that timed out after the broker
     * had written it) must not take the lease of the conversation's next reply from the replica delivering that one.
     * That replica's {@link #replyFinished} would then be ignored (not the owner), and nothing would ever finish the
     * conversation, its lease renewed for ever by the adopter.
     *
     * @param partIds the parts the record carries
     * @return false when the conversation is no longer replying, or none of these parts is pending (delivered
     * already): nothing to do
     */
    public boolean adoptReply(long conversationId, List<Long> partIds) {
        return tx.inTransaction(c -> Sql.update(c, """
                update conversations c set lease_owner = ?, lease_until = now() + ? * interval '1 millisecond'
                 where c.id = ? and c.state = 'replying'
                   and exists (select 1 from messages m
                                where m.id = any(?) and m.conversation_id = c.id and m.direction = 'out'
                                  and m.status in ('ready', 'sending'))""",
                lease.owner(), lease.duration().toMillis(), conversationId, (Object) partIds.toArray(Long[]::new)) > 0);
    }

    private static List<List<OutboundMessage>> pendingReplies(Connection c, List<Long> conversations) throws SQLException {
        return byConversation(Sql.query(c,
                OutboundMessage.SELECT_PENDING + "m.conversation_id = any(?) order by m.conversation_id, m.id",
                OutboundMessage::fromRow, (Object) conversations.toArray(Long[]::new)));
    }

    /** Parts ordered by conversation, then id: one list per conversation, in order. */
    private static List<List<OutboundMessage>> byConversation(List<OutboundMessage> parts) {
        List<List<OutboundMessage>> grouped = new ArrayList<>();
        for (OutboundMessage m : parts) {
            if (grouped.isEmpty() || grouped.get(grouped.size() - 1).get(0).conversationId() != m.conversationId()) {
                grouped.add(new ArrayList<>());
            }
            grouped.get(grouped.size() - 1).add(m);
        }
        return grouped;
    }

    /**
     * After a restart, nothing is in flight any more: turns that were at the LLM wait again (they will be answered
     * once), and the replies not yet confirmed by Evolution are returned for delivery, grouped per conversation.
     */
    public List<List<OutboundMessage>> recoverAfterRestart() {
        return tx.inTransaction(c -> {
            // Only this replica's own leases (from its previous life) and expired ones: another live replica's
            // turn is left alone.
            String mine = "(c.lease_owner is null or c.lease_owner = ? or c.lease_until < now())";
            int turns = Sql.update(c, """
                    update messages m set status = 'waiting', updated_at = now()
                      from conversations c
                     where c.id = m.conversation_id and c.state = 'answering' and %s
                       and m.direction = 'in' and m.status = 'answering'""".formatted(mine), lease.owner());
            Sql.update(c, """
                    update conversations c
                       set state = 'idle', state_since = now(), lease_owner = null, lease_until = null,
                           waiting_since = (select min(m.received_at) from messages m
                                             where m.conversation_id = c.id and m.direction = 'in' and m.status = 'waiting')
                     where c.state = 'answering' and %s""".formatted(mine), lease.owner());
            List<OutboundMessage> pending = Sql.query(c,
                    OutboundMessage.SELECT_PENDING + mine + " order by m.conversation_id, m.id",
                    OutboundMessage::fromRow, lease.owner());
            // The replies this replica delivers now are its own.
            Sql.update(c, """
                    update conversations c set lease_owner = ?, lease_until = now() + ? * interval '1 millisecond'
                     where c.state = 'replying' and %s""".formatted(mine),
                    lease.owner(), lease.duration().toMillis(), lease.owner());
            // Conversations left in 'replying' with nothing to deliver crashed after their last send.
            Sql.update(c, """
                    update conversations c set state = 'idle', state_since = now(), lease_owner = null, lease_until = null
                     where c.state = 'replying' and c.lease_owner = ? and not exists (
                        select 1 from messages m where m.conversation_id = c.id and m.direction = 'out'
                           and m.status in ('ready', 'sending'))""", lease.owner());
            if (turns > 0 || !pending.isEmpty()) {
                LOG.info("Recovered after restart: {} message(s) waiting again for the LLM, {} reply part(s) to deliver",
                        turns, pending.size());
            }
            return byConversation(pending);
        });
    }
}
