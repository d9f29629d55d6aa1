package io.atende.conversation;

import io.atende.reply.OutboundMessage;
import io.atende.reply.ReplySplitter;
import io.atende.store.Notices;
import io.atende.store.Sql;
import io.atende.store.Transactions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

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
    private static final long CLAIM_LOCK = 0x61746e64L; // "atnd"

    /**
     * @param debounce            messages closer than this become one turn (quiet time after the last message)
     * @param debounceMax         a customer who keeps typing is still answered after this long
     * @param fallbackText        sent at once when the LLM fails (once per wait); blank: none
     * @param answerAfterRecovery keep failed turns pending and answer them when the LLM is back (else: fallback only)
     */
    public record Settings(int llmSlots, Duration debounce, Duration debounceMax, Duration retryBase,
                           Duration retryMax, String fallbackText, boolean answerAfterRecovery) {
        public Settings {
            if (llmSlots < 1) {
                throw new IllegalArgumentException("atende.llm.parallel must be at least 1");
            }
            fallbackText = fallbackText == null ? "" : fallbackText.strip();
        }
    }

    private final Transactions tx;
    private final Settings settings;
    private final ReplySplitter splitter;
    private volatile BiConsumer<String, Duration> waitObserver = (instance, waited) -> { };

    public ConversationQueue(Transactions tx, Settings settings, ReplySplitter splitter) {
        this.tx = tx;
        this.settings = settings;
        this.splitter = splitter;
    }

    /** Told, for each claimed turn, its instance and how long the conversation waited for it (atende_wait_seconds). */
    public void observeWaits(BiConsumer<String, Duration> observer) {
        this.waitObserver = observer;
    }

    /**
     * Claims as many ready conversations as there are free LLM slots, one instance after another in round robin
     * (the instance served least recently goes first), and inside an instance the conversation waiting longest.
     */
    public List<ClaimedTurn> claimReady() {
        return tx.inTransaction(c -> {
            Sql.query(c, "select pg_advisory_xact_lock(?)", rs -> null, CLAIM_LOCK);
            long busy = Sql.oneLong(c, "select count(*) from conversations where state = 'answering'");
            List<ClaimedTurn> claimed = new ArrayList<>();
            for (long free = settings.llmSlots() - busy; free > 0; free--) {
                ClaimedTurn turn = claimOne(c);
                if (turn == null) {
                    break;
                }
                claimed.add(turn);
            }
            return claimed;
        });
    }

    private ClaimedTurn claimOne(Connection c) throws SQLException {
        record Candidate(long id, long instanceId, String instance, String contact, long waitedMillis) {
        }
        Candidate next = Sql.one(c, """
                select c.id, c.instance_id, i.name, c.contact_jid,
                       (extract(epoch from now() - c.waiting_since) * 1000)::bigint
                  from conversations c join instances i on i.id = c.instance_id
                 where c.state = 'idle' and c.waiting_since is not null
                   and (c.not_before is null or c.not_before <= now())
                   -- debounce: the customer has paused, or has been typing for too long already
                   and (c.last_inbound_at <= now() - ? * interval '1 millisecond'
                        or c.waiting_since <= now() - ? * interval '1 millisecond')
                 order by i.served_seq nulls first, c.waiting_since, c.id
                 limit 1
                 for update of c skip locked""",
                rs -> new Candidate(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5)),
                settings.debounce().toMillis(), settings.debounceMax().toMillis());
        if (next == null) {
            return null;
        }
        record Pending(long id, String text) {
        }
        List<Pending> pending = Sql.query(c, """
                update messages set status = 'answering', updated_at = now()
                 where conversation_id = ? and direction = 'in' and status = 'waiting'
                returning id, text""", rs -> new Pending(rs.getLong(1), rs.getString(2)), next.id());
        pending = new ArrayList<>(pending);
        pending.sort((a, b) -> Long.compare(a.id(), b.id()));
        Sql.update(c, """
                update conversations set state = ?, state_since = now(), waiting_since = null where id = ?""",
                pending.isEmpty() ? "idle" : "answering", next.id());
        Sql.update(c, "update instances set served_seq = nextval('serve_seq') where id = ?", next.instanceId());
        if (pending.isEmpty()) {
            return claimOne(c); // a stale marker: cleared, look further
        }
        waitObserver.accept(next.instance(), Duration.ofMillis(next.waitedMillis()));
        return new ClaimedTurn(next.id(), next.instanceId(), next.instance(), next.contact(),
                pending.stream().map(Pending::id).toList(), pending.stream().map(Pending::text).toList());
    }

    /**
     * Stores the model's answer, split into WhatsApp-sized parts, and moves the conversation to {@code replying}:
     * its LLM slot is free again, but its next turn waits until this reply is delivered (per-conversation order).
     */
    public List<OutboundMessage> answered(ClaimedTurn turn, LlmAnswer answer) {
        List<String> parts = splitter.split(answer.text());
        if (parts.isEmpty()) {
            throw new IllegalStateException("the model returned an empty reply");
        }
        return tx.inTransaction(c -> {
            Sql.update(c, """
                    update messages set status = 'answered', updated_at = now()
                     where id = any(?) and status = 'answering'""", (Object) turn.messageIds().toArray(Long[]::new));
            List<OutboundMessage> out = new ArrayList<>();
            for (int i = 0; i < parts.size(); i++) {
                boolean first = i == 0;
                long id = Sql.oneLong(c, """
                        insert into messages (instance_id, conversation_id, direction, kind, text, status, answers_up_to,
                                              part_index, part_count, llm_input_tokens, llm_output_tokens, llm_millis)
                        values (?, ?, 'out', 'answer', ?, 'ready', ?, ?, ?, ?, ?, ?)
                        returning id""",
                        turn.instanceId(), turn.conversationId(), parts.get(i), turn.lastMessageId(), i, parts.size(),
                        first ? answer.inputTokens() : null, first ? answer.outputTokens() : null,
                        first ? (int) Math.min(Integer.MAX_VALUE, answer.millis()) : null);
                out.add(new OutboundMessage(id, turn.conversationId(), turn.instance(), turn.contactJid(), "answer",
                        parts.get(i), i, parts.size()));
            }
            Sql.update(c, """
                    update conversations set state = 'replying', state_since = now(), llm_failures = 0, not_before = null,
                           busy_noticed_at = null, fallback_sent_at = null
                     where id = ?""", turn.conversationId());
            return out;
        });
    }

    /**
     * The LLM call failed (error, timeout, or its circuit breaker is open). The customer gets the fallback text at
     * once (once per wait). With answer-after-recovery the messages wait again and the conversation is retried after
     * an exponential backoff; without it the fallback is the final answer.
     *
     * @return the fallback notice to deliver now (empty when none is due)
     */
    public List<OutboundMessage> llmFailed(ClaimedTurn turn, Throwable error) {
        return tx.inTransaction(c -> {
            Long[] ids = turn.messageIds().toArray(Long[]::new);
            boolean fallbackDue;
            if (settings.answerAfterRecovery()) {
                Sql.update(c, """
                        update messages set status = 'waiting', updated_at = now()
                         where id = any(?) and status = 'answering'""", (Object) ids);
                int failures = Sql.oneLong(c, """
                        update conversations
                           set state = 'idle', state_since = now(), llm_failures = llm_failures + 1,
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
                        update conversations set state = 'idle', state_since = now(), llm_failures = 0, not_before = null
                         where id = ?""", turn.conversationId());
                fallbackDue = true;
                LOG.warn("LLM call failed for conversation {}, answered with the fallback text only: {}",
                        turn.conversationId(), error == null ? "-" : error.toString());
            }
            if (!fallbackDue || settings.fallbackText().isEmpty()) {
                return List.of();
            }
            Sql.update(c, "update conversations set fallback_sent_at = now() where id = ?", turn.conversationId());
            return List.of(Notices.queue(c, turn.instanceId(), turn.conversationId(), turn.instance(),
                    settings.fallbackText(), turn.lastMessageId()));
        });
    }

    Duration backoff(int failures) {
        long factor = 1L << Math.min(failures - 1, 20);
        Duration d = settings.retryBase().multipliedBy(factor);
        return d.compareTo(settings.retryMax()) > 0 ? settings.retryMax() : d;
    }

    /**
     * A batch of parts has reached its end (each sent or dead). When it was an answer, the conversation may take
     * its next turn; a notice never held the conversation.
     */
    public void deliveryFinished(List<OutboundMessage> parts) {
        if (parts != null && !parts.isEmpty() && "answer".equals(parts.get(0).kind())) {
            replyFinished(parts.get(0).conversationId());
        }
    }

    public void replyFinished(long conversationId) {
        tx.inTransaction(c -> Sql.update(c, """
                update conversations set state = 'idle', state_since = now()
                 where id = ? and state = 'replying'""", conversationId));
    }

    /**
     * After a restart, nothing is in flight any more: turns that were at the LLM wait again (they will be answered
     * once), and the replies not yet confirmed by Evolution are returned for delivery, grouped per conversation.
     */
    public List<List<OutboundMessage>> recoverAfterRestart() {
        return tx.inTransaction(c -> {
            int turns = Sql.update(c, """
                    update messages set status = 'waiting', updated_at = now()
                     where direction = 'in' and status = 'answering'""");
            Sql.update(c, """
                    update conversations c
                       set state = 'idle', state_since = now(),
                           waiting_since = (select min(m.received_at) from messages m
                                             where m.conversation_id = c.id and m.direction = 'in' and m.status = 'waiting')
                     where c.state = 'answering'""");
            List<OutboundMessage> pending = Sql.query(c, """
                    select m.id, m.conversation_id, i.name, c.contact_jid, m.kind, m.text, m.part_index, m.part_count
                      from messages m join conversations c on c.id = m.conversation_id join instances i on i.id = m.instance_id
                     where m.direction = 'out' and m.status in ('ready', 'sending')
                     order by m.conversation_id, m.id""",
                    rs -> new OutboundMessage(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getInt(7), rs.getInt(8)));
            // Conversations left in 'replying' with nothing to deliver crashed after their last send.
            Sql.update(c, """
                    update conversations c set state = 'idle', state_since = now()
                     where c.state = 'replying' and not exists (
                        select 1 from messages m where m.conversation_id = c.id and m.direction = 'out'
                           and m.status in ('ready', 'sending'))""");
            List<List<OutboundMessage>> grouped = new ArrayList<>();
            for (OutboundMessage m : pending) {
                if (grouped.isEmpty() || grouped.get(grouped.size() - 1).get(0).conversationId() != m.conversationId()) {
                    grouped.add(new ArrayList<>());
                }
                grouped.get(grouped.size() - 1).add(m);
            }
            if (turns > 0 || !pending.isEmpty()) {
                LOG.info("Recovered after restart: {} message(s) waiting again for the LLM, {} reply part(s) to deliver",
                        turns, pending.size());
            }
            return grouped;
        });
    }
}
