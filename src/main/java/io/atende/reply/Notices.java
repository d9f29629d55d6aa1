package io.atende.reply;

import io.atende.store.Sql;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Notices are short texts Atende owes a customer without asking the LLM (media without text, busy, fallback).
 * Like answers, they are stored as outbound messages in the same transaction that decides them, then delivered.
 */
public final class Notices {

    private Notices() {
    }

    /** Stores a one-part notice in {@code ready} and returns it for delivery. */
    public static OutboundMessage queue(Connection c, long instanceId, long conversationId, String instance,
                                        String text, long answersUpTo) throws SQLException {
        String contact = Sql.one(c, "select contact_jid from conversations where id = ?", rs -> rs.getString(1),
                conversationId);
        return queue(c, instanceId, conversationId, instance, contact, text, answersUpTo);
    }

    /** As {@link #queue(Connection, long, long, String, String, long)}, when the caller knows the contact. */
    public static OutboundMessage queue(Connection c, long instanceId, long conversationId, String instance,
                                        String contact, String text, long answersUpTo) throws SQLException {
        return queue(c, instanceId, conversationId, instance, contact, NOTICE, text, answersUpTo);
    }

    /** Kinds of outbound message: what a quiet conversation still lets through depends on it (DeliveryStore). */
    public static final String NOTICE = "notice";
    public static final String HANDOFF = "handoff";
    public static final String HANDOFF_ALERT = "handoff_alert";
    public static final String OPT_OUT_CONFIRM = "opt_out_confirm";
    public static final String OPT_IN_CONFIRM = "opt_in_confirm";
    public static final String OUT_OF_HOURS = "out_of_hours";

    /** A one-part text of the given kind, stored in {@code ready}. */
    public static OutboundMessage queue(Connection c, long instanceId, long conversationId, String instance,
                                        String contact, String kind, String text, Long answersUpTo)
            throws SQLException {
        long id = Sql.oneLong(c, """
                insert into messages (instance_id, conversation_id, direction, kind, text, status, answers_up_to,
                                      part_index, part_count)
                values (?, ?, 'out', ?, ?, 'ready', ?, 0, 1)
                returning id""", instanceId, conversationId, kind, text, answersUpTo);
        return new OutboundMessage(id, conversationId, instance, contact, kind, text, 0, 1);
    }

}
