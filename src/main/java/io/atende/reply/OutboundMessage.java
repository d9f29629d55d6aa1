package io.atende.reply;

import java.sql.ResultSet;
import java.sql.SQLException;

/** One WhatsApp message Atende owes a customer: an answer part or a notice, persisted before it is sent. */
public record OutboundMessage(long id, long conversationId, String instance, String contactJid,
                              String kind, String text, int partIndex, int partCount) {

    /**
     * The parts still owed to Evolution (stored, not confirmed), with the columns {@link #fromRow} reads; the caller
     * appends its own condition and order.
     */
    public static final String SELECT_PENDING = """
            select m.id, m.conversation_id, i.name, c.contact_jid, m.kind, m.text, m.part_index, m.part_count
              from messages m join conversations c on c.id = m.conversation_id join instances i on i.id = m.instance_id
             where m.direction = 'out' and m.status in ('ready', 'sending') and\s""";

    /** The instance as a URL path segment ({@code /message/sendText/{instance}}): names may hold spaces or accents. */
    public String instancePath() {
        return EvolutionTarget.instancePath(instance);
    }

    /** Reads a part from columns 1 to 8 in the order of {@link #SELECT_PENDING}. */
    public static OutboundMessage fromRow(ResultSet rs) throws SQLException {
        return new OutboundMessage(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                rs.getString(5), rs.getString(6), rs.getInt(7), rs.getInt(8));
    }
}
