package io.atende.reply;

import io.atende.store.Sql;
import io.atende.store.Transactions;
import io.atende.support.AtendeMetrics;
import io.atende.support.LogMask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/** Durable bookkeeping of reply delivery: each attempt, the final outcome, and Evolution's id for our message. */
public final class DeliveryStore {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryStore.class);

    private final Transactions tx;
    private final AtendeMetrics metrics;

    public DeliveryStore(Transactions tx, AtendeMetrics metrics) {
        this.tx = tx;
        this.metrics = metrics;
    }

    /** True when this part still has to be sent (a recovered or replayed part may already be final). */
    public boolean stillPending(OutboundMessage m) {
        return tx.inTransaction(c -> Sql.oneLong(c,
                "select id from messages where id = ? and status in ('ready', 'sending')", m.id()) != null);
    }

    /** Marks the part as being sent and opens an attempt row; returns the attempt id. */
    public long attemptStarted(OutboundMessage m) {
        return tx.inTransaction(c -> {
            Sql.update(c, "update messages set status = 'sending', updated_at = now() where id = ?", m.id());
            return Sql.oneLong(c, """
                    insert into delivery_attempts (message_id, attempt)
                    values (?, (select count(*) + 1 from delivery_attempts where message_id = ?))
                    returning id""", m.id(), m.id());
        });
    }

    public void attemptFinished(long attemptId, Integer httpStatus, String outcome, String error, long startedNanos) {
        metrics.send(Duration.ofNanos(System.nanoTime() - startedNanos), outcome);
        tx.inTransaction(c -> Sql.update(c, """
                update delivery_attempts set finished_at = now(), http_status = ?, outcome = ?, error = ?
                 where id = ?""", httpStatus, outcome, error, attemptId));
    }

    /** Evolution accepted the part (201): keep its WhatsApp id so a fromMe echo of it is recognised as ours. */
    public void sent(OutboundMessage m, String waMessageId) {
        tx.inTransaction(c -> Sql.update(c, """
                update messages set status = 'sent', wa_message_id = ?, updated_at = now() where id = ?""",
                waMessageId, m.id()));
        if (m.partIndex() == m.partCount() - 1) {
            metrics.message(m.instance(), "answer".equals(m.kind()) ? "answered" : "noticed_sent");
        }
        LOG.info("Reply {} part {}/{} delivered to {} on {}", m.id(), m.partIndex() + 1, m.partCount(),
                LogMask.jid(m.contactJid()), m.instance());
    }

    /** Gave up on the part (rejected, or out of attempts): it will not be sent. */
    public void dead(OutboundMessage m, Throwable reason) {
        String why = reason == null ? "unknown" : reason.getMessage();
        tx.inTransaction(c -> Sql.update(c, """
                update messages set status = 'dead', failure_reason = ?, updated_at = now() where id = ?""",
                why, m.id()));
        metrics.message(m.instance(), "dead");
        LOG.error("Reply {} to {} on {} could not be delivered: {}", m.id(), LogMask.jid(m.contactJid()),
                m.instance(), why);
    }
}
