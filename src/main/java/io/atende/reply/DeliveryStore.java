package io.atende.reply;

import io.atende.store.Sql;
import io.atende.store.Transactions;
import io.atende.support.AtendeMetrics;
import io.atende.support.LogMask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/** Durable bookkeeping of reply delivery: each attempt, the final outcome, and Evolution's id for our message. */
public final class DeliveryStore {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryStore.class);
    /** Phone numbers and LIDs: 8 digits or more in a row. */
    private static final Pattern LONG_DIGIT_RUN = Pattern.compile("\\d{8,}");

    /**
     * An attempt whose fate Evolution never told us, over the columns of {@code delivery_attempts}: still
     * {@code pending} (the gateway stopped or was killed while waiting for the answer) or failed in transport after the
     * request may have reached Evolution ({@code retry} without an HTTP status). Connect failures
     * ({@code not_connected}) and open breakers never reached Evolution and do not count. The one definition every
     * query about such attempts uses.
     */
    private static final String UNCONFIRMED = "(outcome = 'pending' or (outcome = 'retry' and http_status is null))";

    /**
     * Why a part must not go out now, checked before each send (one parameter: the gateway's clock): the contact
     * opted out (only the confirmation of that still goes), or a human attendant has the conversation (the bot's
     * answers and notices wait; the handoff text and the opt-out/opt-in confirmations go). A part withheld is final:
     * the human has seen the messages it answered.
     */
    private static final String HELD = """
            case when c.opted_out_at is not null and m.kind not in ('opt_out_confirm') then 'opted_out'
                 when c.human_until > ?
                      and m.kind in ('answer', 'notice', 'out_of_hours', 'voice_failed', 'voice_too_long') then 'human'
            end""";

    private final Transactions tx;
    private final AtendeMetrics metrics;
    private final Clock clock;

    public DeliveryStore(Transactions tx, AtendeMetrics metrics) {
        this(tx, metrics, Clock.systemUTC());
    }

    public DeliveryStore(Transactions tx, AtendeMetrics metrics, Clock clock) {
        this.tx = tx;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * The start of one delivery attempt of a part, in one statement (one round trip, committed before any sendText):
     * whether the part still has to be sent (a recovered or replayed part may already be final), its unconfirmed
     * attempts ({@link #UNCONFIRMED}), and, when it is still to be sent and has none, the attempt it goes out as,
     * opened as {@link #attemptStarted} would open it. With unconfirmed attempts nothing is written: Evolution is asked
     * first, and the attempt is opened after that.
     *
     * @return {@code DONE} (final already), {@code SEND} (attempt opened) or {@code ASK} (unconfirmed attempts)
     */
    public Delivery begin(OutboundMessage m) {
        long started = System.nanoTime();
        Delivery d = tx.inOneStatement(c -> Sql.one(c, """
                with part as (
                    select m.id, m.status in ('ready', 'sending') as pending, u.first_started, u.last_started, u.n,
                           %s as held
                      from messages m
                      join conversations c on c.id = m.conversation_id
                      cross join lateral (
                          select min(a.started_at) as first_started, max(a.started_at) as last_started,
                                 count(*) as n
                            from delivery_attempts a
                           where a.message_id = m.id and %s) u
                     where m.id = ?),
                withheld as (
                    update messages m set status = 'withheld', failure_reason = part.held, updated_at = now()
                      from part
                     where m.id = part.id and part.pending and part.held is not null
                    returning m.id),
                sending as (
                    update messages m set status = 'sending', updated_at = now()
                      from part
                     where m.id = part.id and part.pending and part.n = 0 and part.held is null
                    returning m.id),
                attempt as (
                    insert into delivery_attempts (message_id, attempt)
                    select sending.id, (select count(*) + 1 from delivery_attempts a where a.message_id = sending.id)
                      from sending
                    returning id)
                select part.pending, part.first_started, part.last_started, part.n, (select attempt.id from attempt),
                       part.held
                  from part""".formatted(HELD, UNCONFIRMED),
                rs -> {
                    Delivery.Unconfirmed open = unconfirmedFrom(rs, 2);
                    Long attempt = (Long) rs.getObject(5);
                    if (!rs.getBoolean(1)) {
                        return Delivery.of(m, Delivery.Verdict.DONE);
                    }
                    if (rs.getString(6) != null) {
                        LOG.debug("Part {} on {} withheld: the conversation is {}", m.id(), m.instance(),
                                rs.getString(6));
                        return Delivery.of(m, Delivery.Verdict.DONE);
                    }
                    return open != null ? new Delivery(m, Delivery.Verdict.ASK, open, null, 0, null)
                            : new Delivery(m, Delivery.Verdict.SEND, null, attempt, started, null);
                },
                clock.instant(), m.id()));
        return d != null ? d : Delivery.of(m, Delivery.Verdict.DONE);
    }

    /** Marks the part as being sent and opens an attempt row; returns the attempt id. */
    public long attemptStarted(OutboundMessage m) {
        // One statement (its own transaction): the part's status and the attempt row, in one round trip.
        Long attempt = tx.inOneStatement(c -> Sql.oneLong(c, """
                with part as (
                    update messages set status = 'sending', updated_at = now() where id = ? returning id)
                insert into delivery_attempts (message_id, attempt)
                select part.id, (select count(*) + 1 from delivery_attempts a where a.message_id = part.id) from part
                returning id""", m.id()));
        if (attempt == null) {
            throw new IllegalStateException("reply part " + m.id() + " is not in the database");
        }
        return attempt;
    }

    public void attemptFinished(long attemptId, Integer httpStatus, String outcome, String error, long startedNanos) {
        metrics.send(Duration.ofNanos(System.nanoTime() - startedNanos), outcome);
        tx.inOneStatement(c -> Sql.update(c, """
                update delivery_attempts set finished_at = now(), http_status = ?, outcome = ?, error = ?
                 where id = ?""", httpStatus, outcome, error, attemptId));
    }

    /**
     * The attempts of a part whose fate Evolution never told us ({@link #UNCONFIRMED}), from the columns
     * min(started_at), max(started_at), count(*) starting at {@code first}; null when there is none.
     */
    private static Delivery.Unconfirmed unconfirmedFrom(ResultSet rs, int first) throws SQLException {
        int count = rs.getInt(first + 2);
        return count == 0 ? null : new Delivery.Unconfirmed(rs.getTimestamp(first).toInstant(),
                rs.getTimestamp(first + 1).toInstant(), count);
    }

    /** Of these WhatsApp ids, the ones already recorded for another of our messages on the part's instance. */
    public List<String> alreadyClaimed(OutboundMessage m, List<String> waIds) {
        if (waIds.isEmpty()) {
            return List.of();
        }
        return tx.inTransaction(c -> {
            try (var ps = c.prepareStatement("""
                    select m.wa_message_id from messages m join instances i on i.id = m.instance_id
                     where i.name = ? and m.direction = 'out' and m.id <> ? and m.wa_message_id = any(?)""")) {
                ps.setString(1, m.instance());
                ps.setLong(2, m.id());
                ps.setArray(3, c.createArrayOf("text", waIds.toArray()));
                List<String> ids = new java.util.ArrayList<>();
                try (var rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
                return ids;
            }
        });
    }

    /**
     * Evolution's findMessages shows that it did send this part (an attempt was accepted but its 201 never reached
     * us): the last unconfirmed attempt is recorded as {@code reconciled}, the others as {@code lost}, and the part
     * becomes {@code sent} with the id Evolution gave it. No second sendText.
     */
    public void reconciled(OutboundMessage m, String waMessageId) {
        tx.inTransaction(c -> {
            Long last = Sql.oneLong(c, """
                    select id from delivery_attempts where message_id = ? and %s
                     order by id desc limit 1""".formatted(UNCONFIRMED), m.id());
            Sql.update(c, """
                    update delivery_attempts set finished_at = coalesce(finished_at, now()), outcome = 'lost'
                     where message_id = ? and id <> ? and %s""".formatted(UNCONFIRMED),
                    m.id(), last == null ? -1L : last);
            return Sql.update(c, """
                    update delivery_attempts set finished_at = coalesce(finished_at, now()), outcome = 'reconciled',
                           error = ? where id = ?""", "found in Evolution's findMessages as " + waMessageId,
                    last == null ? -1L : last);
        });
        metrics.send(Duration.ZERO, "reconciled");
        LOG.info("Reply {} part {}/{} to {} on {} was already sent by Evolution (found by findMessages): not sent again",
                m.id(), m.partIndex() + 1, m.partCount(), LogMask.jid(m.contactJid()), m.instance());
        sent(m, waMessageId);
    }

    /** Evolution's findMessages has no such message: the unconfirmed attempts never went out ({@code lost}). */
    public void notSentByEvolution(OutboundMessage m) {
        int lost = tx.inTransaction(c -> Sql.update(c, """
                update delivery_attempts set finished_at = coalesce(finished_at, now()), outcome = 'lost'
                 where message_id = ? and %s""".formatted(UNCONFIRMED),
                m.id()));
        LOG.info("Reply {} part {}/{} on {}: Evolution has no trace of {} unconfirmed attempt(s), sending it again",
                m.id(), m.partIndex() + 1, m.partCount(), m.instance(), lost);
    }

    /** Evolution accepted the part (201): keep its WhatsApp id so a fromMe echo of it is recognised as ours. */
    public void sent(OutboundMessage m, String waMessageId) {
        // With the update, how long ago the customer's message this part answers arrived (reply time).
        Long sinceCustomerMillis = tx.inOneStatement(c -> Sql.oneLong(c, """
                update messages o set status = 'sent', wa_message_id = ?, updated_at = now() where o.id = ?
                returning (select (extract(epoch from now() - r.received_at) * 1000)::bigint
                             from messages r where r.id = o.answers_up_to)""",
                waMessageId, m.id()));
        if (m.partIndex() == m.partCount() - 1) {
            boolean answer = "answer".equals(m.kind());
            metrics.message(m.instance(), answer ? "answered" : "noticed_sent");
            if (answer && sinceCustomerMillis != null) {
                metrics.replied(m.instance(), Duration.ofMillis(sinceCustomerMillis));
            }
        }
        LOG.info("Reply {} part {}/{} delivered to {} on {}", m.id(), m.partIndex() + 1, m.partCount(),
                LogMask.jid(m.contactJid()), m.instance());
    }

    /**
     * Gave up on the part (rejected, or out of attempts): it will not be sent unless an operator replays it.
     * In the same transaction a dead letter is opened for it (at most one open letter per message), with
     * Evolution's last status and the attempts made since the message was last replayed.
     */
    public Delivery dead(OutboundMessage m, Throwable reason) {
        String why = reason == null ? "unknown" : reason.getMessage();
        String shown = maskNumbers(why == null ? reason.getClass().getSimpleName() : why);
        Long letter = tx.inTransaction(c -> {
            Sql.update(c, """
                    update messages set status = 'dead', failure_reason = ?, updated_at = now() where id = ?""",
                    why, m.id());
            return Sql.oneLong(c, """
                    insert into dead_letters (message_id, instance, contact_jid, kind, reason, last_http_status,
                                              attempts, replay_count)
                    select ?, ?, ?, ?, ?,
                           (select http_status from delivery_attempts where message_id = ? order by id desc limit 1),
                           (select count(*) from delivery_attempts where message_id = ?)
                             - coalesce((select sum(attempts) from dead_letters where message_id = ?), 0),
                           (select count(*) from dead_letters where message_id = ?)
                    on conflict (message_id) where replayed_at is null do nothing
                    returning id""",
                    m.id(), m.instance(), m.contactJid(), m.kind(), shown, m.id(), m.id(), m.id(), m.id());
        });
        metrics.message(m.instance(), "dead");
        if (letter != null) {
            metrics.deadLetterOpened();
        }
        LOG.error("Reply {} to {} on {} could not be delivered (dead letter {}): {}", m.id(), LogMask.jid(m.contactJid()),
                m.instance(), letter == null ? "already open" : letter, shown);
        return new Delivery(m, Delivery.Verdict.DEAD, null, null, 0, shown);
    }

    /** The dead letter's reason for a part withheld because its number is disabled. */
    public static final String WITHHELD_DISABLED = "instance disabled: nothing is sent for this number";

    /**
     * The part's number is disabled: it is not sent, and becomes a dead letter an operator may replay once the number
     * is enabled again. A part that is final already (sent, or dead) is left as it is.
     *
     * @return the part, {@code DEAD} when it was withheld now, else {@code DONE}
     */
    public Delivery withheld(OutboundMessage m) {
        boolean pending = tx.inOneStatement(c -> Sql.oneLong(c,
                "select id from messages where id = ? and status in ('ready', 'sending')", m.id()) != null);
        if (!pending) {
            return Delivery.of(m, Delivery.Verdict.DONE);
        }
        return dead(m, new IllegalStateException(WITHHELD_DISABLED)); // logged there, with the dead letter's id
    }

    /** Evolution's errors repeat the number ({@code "exists":false,"number":"5521..."}): mask every long digit run. */
    static String maskNumbers(String text) {
        return LONG_DIGIT_RUN.matcher(text).replaceAll(r -> LogMask.phone(r.group()));
    }
}
