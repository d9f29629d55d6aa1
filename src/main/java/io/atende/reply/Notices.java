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
        long id = Sql.oneLong(c, """
                insert into messages (instance_id, conversation_id, direction, kind, text, status, answers_up_to,
                                      part_index, part_count)
                values (?, ?, 'out', 'notice', ?, 'ready', ?, 0, 1)
                returning id""", instanceId, conversationId, text, answersUpTo);
        return new OutboundMessage(id, conversationId, instance, contact, "notice", text, 0, 1);
    }

}
