package io.atende.admin;

import io.atende.admin.DeadLetterConflictException.Reason;
import io.atende.reply.OutboundMessage;
import io.atende.store.Sql;
import io.atende.store.Transactions;
import io.atende.support.AtendeMetrics;
import io.atende.support.LogMask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The dead letters (reply parts Atende gave up on, opened by {@code DeliveryStore.dead}) as the admin API reads
 * and replays them. The methods the routes call take the raw HTTP values and answer 400/404/409 by exception.
 */
public final class DeadLetterStore {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterStore.class);

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    private static final String COLUMNS = """
            select l.id, l.message_id, l.instance, l.contact_jid, l.kind, l.reason, l.last_http_status, l.attempts,
                   coalesce(length(m.text), 0), l.created_at, l.replayed_at, l.replay_count
              from dead_letters l join messages m on m.id = l.message_id""";

    private final Transactions tx;
    private final AtendeMetrics metrics;

    public DeadLetterStore(Transactions tx, AtendeMetrics metrics) {
        this.tx = tx;
        this.metrics = metrics;
    }

    /** Open letters right now; seeds the {@code atende_dead_letters} gauge at startup. */
    public long countOpen() {
        return tx.inTransaction(c -> Sql.oneLong(c, "select count(*) from dead_letters where replayed_at is null"));
    }

    /**
     * {@code GET /admin/dead-letters?limit=&before=}: open letters, newest first.
     *
     * @param limit  page size, 1 to {@value #MAX_LIMIT}; absent: {@value #DEFAULT_LIMIT}
     * @param before a letter id: only older letters (pass the last id of a page to get the next one); absent: newest
     * @throws AdminBadRequestException when either is not a whole number in range
     */
    public List<DeadLetter> list(String limit, String before) {
        int pageSize = limit == null || limit.isBlank() ? DEFAULT_LIMIT
                : (int) AdminParameters.wholeNumber("limit", limit, 1, MAX_LIMIT);
        long olderThan = before == null || before.isBlank() ? Long.MAX_VALUE
                : AdminParameters.wholeNumber("before", before, 1, Long.MAX_VALUE);
        return tx.inTransaction(c -> Sql.query(c, COLUMNS + """

                 where l.replayed_at is null and l.id < ?
                 order by l.id desc
                 limit ?""", DeadLetterStore::letter, olderThan, pageSize));
    }

    /** {@code GET /admin/dead-letters/{id}}: one letter, open or replayed. */
    public DeadLetter letter(String id) {
        long letterId = id(id);
        DeadLetter letter = tx.inTransaction(c -> Sql.one(c, COLUMNS + " where l.id = ?", DeadLetterStore::letter,
                letterId));
        if (letter == null) {
            throw new DeadLetterNotFoundException(id);
        }
        return letter;
    }

    /**
     * {@code POST /admin/dead-letters/{id}/replay}. In one transaction: the outbound message goes back to
     * {@code ready}, the letter is marked replayed, and for an answer the conversation holds in {@code replying}
     * like for any reply being delivered (so its next turn waits, and the delivery route frees it afterwards).
     * Once committed the part is durable work: if the hand-off to delivery is lost, a restart delivers it.
     *
     * @return the part to hand to delivery
     * @throws DeadLetterNotFoundException no such letter (404)
     * @throws DeadLetterConflictException replayed already, message no longer dead, or conversation busy (409)
     */
    public OutboundMessage replay(String id) {
        long letterId = id(id);
        OutboundMessage part = tx.inTransaction(c -> {
            Boolean replayed = Sql.one(c, "select replayed_at is not null from dead_letters where id = ? for update",
                    rs -> rs.getBoolean(1), letterId);
            if (replayed == null) {
                throw new DeadLetterNotFoundException(id);
            }
            if (replayed) {
                throw new DeadLetterConflictException(letterId, Reason.ALREADY_REPLAYED);
            }
            record Target(OutboundMessage part, String status, String conversationState) {
            }
            Target t = Sql.one(c, """
                    select m.id, m.conversation_id, i.name, c.contact_jid, m.kind, m.text, m.part_index, m.part_count,
                           m.status, c.state
                      from dead_letters l
                      join messages m on m.id = l.message_id
                      join conversations c on c.id = m.conversation_id
                      join instances i on i.id = m.instance_id
                     where l.id = ?
                       for update of m, c""",
                    rs -> new Target(OutboundMessage.fromRow(rs), rs.getString(9), rs.getString(10)), letterId);
            if (t == null || !"dead".equals(t.status())) {
                throw new DeadLetterConflictException(letterId, Reason.NOT_DEAD);
            }
            boolean answer = "answer".equals(t.part().kind());
            if (answer && !"idle".equals(t.conversationState())) {
                throw new DeadLetterConflictException(letterId, Reason.CONVERSATION_BUSY);
            }
            Sql.update(c, """
                    update messages set status = 'ready', failure_reason = null, updated_at = now() where id = ?""",
                    t.part().id());
            Sql.update(c, """
                    update dead_letters set replayed_at = now(), replay_count = replay_count + 1 where id = ?""",
                    letterId);
            if (answer) {
                Sql.update(c, """
                        update conversations set state = 'replying', state_since = now() where id = ?""",
                        t.part().conversationId());
            }
            return t.part();
        });
        metrics.deadLetterReplayed();
        LOG.info("Dead letter {} replayed: reply {} part {}/{} to {} on {} goes out again", letterId, part.id(),
                part.partIndex() + 1, part.partCount(), LogMask.jid(part.contactJid()), part.instance());
        return part;
    }

    /** The delivery route takes a batch: a replayed part is a batch of one. */
    public List<OutboundMessage> batchOf(OutboundMessage part) {
        return List.of(part);
    }

    private static DeadLetter letter(ResultSet rs) throws SQLException {
        int status = rs.getInt(7);
        Integer lastHttpStatus = rs.wasNull() ? null : status;
        return new DeadLetter(rs.getLong(1), rs.getLong(2), rs.getString(3), LogMask.jid(rs.getString(4)),
                rs.getString(5), rs.getString(6), lastHttpStatus, rs.getInt(8), rs.getInt(9),
                Sql.instant(rs, "created_at"), Sql.instant(rs, "replayed_at"), rs.getInt(12));
    }

    /** A letter id from the path; anything else is simply not a known letter. */
    private static long id(String id) {
        try {
            long value = Long.parseLong(id == null ? "" : id.strip());
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // falls through to 404
        }
        throw new DeadLetterNotFoundException(id);
    }
}
