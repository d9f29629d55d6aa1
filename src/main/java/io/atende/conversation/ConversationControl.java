package io.atende.conversation;

import io.atende.store.Sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/**
 * The conversation's quiet states, each change written once for whoever makes it (a webhook, the admin API): a human
 * attendant has the conversation ({@code human}, until a time), or the contact has opted out ({@code opted_out}). Each
 * change is recorded in {@code conversation_events} with its time (the opt-out evidence the LGPD asks for). Every
 * method runs in the caller's transaction, with the gateway's clock ({@code now}), and expects the conversation row
 * to be locked by it or locks it.
 */
public final class ConversationControl {

    /** Who handed the conversation to a human. Codes are persisted and used as metric tags. */
    public enum Reason {
        OPERATOR, CUSTOMER, ADMIN;

        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private ConversationControl() {
    }

    /**
     * Hands the conversation to a human until {@code until} (extended, never shortened, while it is human already).
     * Customer messages still waiting for the LLM will not get it: the human sees them.
     *
     * @return true when the conversation was not human before (a new handoff), false when it was extended
     */
    public static boolean human(Connection c, long conversationId, Reason reason, Instant now, Instant until,
                                Long messageId) throws SQLException {
        Boolean wasHuman = Sql.one(c, """
                select human_until > ? from conversations where id = ? for no key update""",
                rs -> rs.getObject(1) != null && rs.getBoolean(1), now, conversationId);
        if (wasHuman == null) {
            throw new IllegalStateException("conversation " + conversationId + " does not exist");
        }
        if (wasHuman) {
            // an operator's message extends any handoff and keeps its reason; an admin pause says how long itself
            Sql.update(c, """
                    update conversations
                       set human_until = case when ? = 'admin' then ? else greatest(human_until, ?) end,
                           human_reason = case when ? = 'admin' then 'admin' else human_reason end,
                           operator_seen_at = case when ? = 'operator' then ? else operator_seen_at end
                     where id = ?""",
                    reason.code(), until, until, reason.code(), reason.code(), now, conversationId);
        } else {
            Sql.update(c, """
                    update conversations
                       set human_until = ?, human_reason = ?, human_since = ?,
                           operator_seen_at = case when ? = 'operator' then ? else operator_seen_at end
                     where id = ?""",
                    until, reason.code(), now, reason.code(), now, conversationId);
        }
        holdWaiting(c, conversationId, "human");
        event(c, conversationId, "human", reason.code(), messageId, until, now);
        return !wasHuman;
    }

    /**
     * Gives the conversation back to the bot at once (the operator's resume keyword, the admin API).
     *
     * @return true when it was human
     */
    public static boolean resume(Connection c, long conversationId, Reason by, Instant now, Long messageId)
            throws SQLException {
        Long id = Sql.oneLong(c, """
                update conversations set human_until = null, human_reason = null, human_since = null
                 where id = ? and human_until > ? returning id""", conversationId, now);
        if (id == null) {
            return false;
        }
        event(c, conversationId, "resume", by.code(), messageId, null, now);
        return true;
    }

    /**
     * The contact asked the bot to stop: nothing more is sent until they opt in. Messages waiting for the LLM are
     * not answered.
     *
     * @return true when they were not opted out already
     */
    public static boolean optOut(Connection c, long conversationId, Instant now, long messageId) throws SQLException {
        Long id = Sql.oneLong(c, """
                update conversations set opted_out_at = ? where id = ? and opted_out_at is null returning id""",
                now, conversationId);
        if (id == null) {
            return false;
        }
        holdWaiting(c, conversationId, "opted_out");
        event(c, conversationId, "opt_out", "keyword", messageId, null, now);
        return true;
    }

    /** The contact asked the bot to come back. @return true when they were opted out */
    public static boolean optIn(Connection c, long conversationId, Instant now, long messageId) throws SQLException {
        Long id = Sql.oneLong(c, """
                update conversations set opted_out_at = null where id = ? and opted_out_at is not null returning id""",
                conversationId);
        if (id == null) {
            return false;
        }
        event(c, conversationId, "opt_in", "keyword", messageId, null, now);
        return true;
    }

    /**
     * The LID conversation folds into the phone one: the states merge, the most restrictive winning (opted out over
     * anything; the later end of a human pause), and the LID conversation's events follow it.
     */
    public static void merge(Connection c, long intoId, long fromId) throws SQLException {
        Sql.update(c, """
                update conversations p
                   set opted_out_at = case when p.opted_out_at is null or l.opted_out_at is null
                                           then coalesce(p.opted_out_at, l.opted_out_at)
                                           else least(p.opted_out_at, l.opted_out_at) end,
                       human_reason = case when l.human_until > coalesce(p.human_until, '-infinity')
                                           then l.human_reason else p.human_reason end,
                       human_since = case when l.human_until > coalesce(p.human_until, '-infinity')
                                          then l.human_since else p.human_since end,
                       human_until = greatest(p.human_until, l.human_until),
                       operator_seen_at = greatest(p.operator_seen_at, l.operator_seen_at),
                       out_of_hours_period = greatest(p.out_of_hours_period, l.out_of_hours_period)
                  from conversations l
                 where p.id = ? and l.id = ?""", intoId, fromId);
        Sql.update(c, "update conversation_events set conversation_id = ? where conversation_id = ?", intoId, fromId);
    }

    /**
     * Messages that waited for the LLM will not get it: stored with the state's status, and the wait is over. A voice
     * note still being transcribed is not transcribed any more (the human hears it): it stays media.
     */
    private static void holdWaiting(Connection c, long conversationId, String status) throws SQLException {
        Sql.update(c, """
                update messages set status = ?, updated_at = now(),
                       kind = case when status = 'transcribing' then 'media' else kind end,
                       stt_owner = null, stt_until = null
                 where conversation_id = ? and direction = 'in' and status in ('waiting', 'transcribing')""",
                status, conversationId);
        Sql.update(c, "update conversations set waiting_since = null where id = ?", conversationId);
    }

    private static void event(Connection c, long conversationId, String kind, String reason, Long messageId,
                              Instant until, Instant at) throws SQLException {
        Sql.update(c, """
                insert into conversation_events (conversation_id, instance_id, contact_jid, kind, reason, message_id,
                                                 human_until, at)
                select id, instance_id, contact_jid, ?, ?, ?, ?, ? from conversations where id = ?""",
                kind, reason, messageId, until, at, conversationId);
    }
}
