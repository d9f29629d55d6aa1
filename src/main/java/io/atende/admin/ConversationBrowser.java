package io.atende.admin;

import io.atende.store.Sql;
import io.atende.store.Transactions;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The conversations and their transcripts as the admin API reads them from PostgreSQL. The steps the routes call
 * first check the raw HTTP values ({@link #query}, {@link #transcriptQuery}: 400 or 404 by exception), then read
 * ({@link #list}, {@link #transcript}). Nothing here logs a message text or a phone number.
 * <p>
 * The API's states are read from {@code conversations.state} and {@code waiting_since}: {@code answering} or
 * {@code replying} is {@code answering} (an LLM call or a delivery in progress), idle with messages waiting is
 * {@code waiting}, anything else {@code idle}.
 */
public final class ConversationBrowser {

    public static final int PAGE_SIZE = 50;
    public static final int TRANSCRIPT_SIZE = 100;
    public static final Set<String> STATES = Set.of("waiting", "answering", "idle");
    /** Far beyond any shop's conversations; keeps the offset a sane number. */
    static final int MAX_PAGE = 1_000_000;

    private static final String PHONE = "@s.whatsapp.net";
    private static final String LID = "@lid";
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,32}");
    /** A query that reads as a phone number: digits with the usual separators ("+55 (21) 98765-4321"). */
    private static final Pattern NUMBER_LIKE = Pattern.compile("[0-9+()\\-.\\s]*[0-9][0-9+()\\-.\\s]*");

    private static final String API_STATE = """
            case when c.state in ('answering', 'replying') then 'answering'
                 when c.waiting_since is not null then 'waiting'
                 else 'idle' end""";

    /** The summaries of the conversations matching %s (a condition), ordered by %s, then "limit ? offset ?". */
    private static final String SUMMARIES = """
            with page as (
                select c.id, i.name as instance, c.contact_jid, c.push_name, %1$s as api_state, c.waiting_since,
                       coalesce((select m.received_at from messages m where m.conversation_id = c.id
                                  order by m.id desc limit 1), c.created_at) as last_at
                  from conversations c join instances i on i.id = c.instance_id
                 where %2$s
                 order by %3$s
                 limit ? offset ?)
            select p.id, p.instance, p.contact_jid, p.push_name, p.api_state, p.waiting_since, p.last_at,
                   k.ins, k.outs, k.waiting
              from page p cross join lateral (
                   select count(*) filter (where m.direction = 'in') as ins,
                          count(*) filter (where m.direction = 'out') as outs,
                          count(*) filter (where m.direction = 'in' and m.status in ('waiting', 'answering')) as waiting
                     from messages m where m.conversation_id = p.id) k
             order by p.last_at desc, p.id desc""";

    private final Transactions tx;

    public ConversationBrowser(Transactions tx) {
        this.tx = tx;
    }

    /**
     * The list's parameters, as the HTTP request gave them (each may be absent).
     *
     * @throws AdminBadRequestException naming the parameter: a state other than waiting, answering or idle, a page
     *                                  that is not a whole number from 1, an unmask other than true or false
     */
    public ConversationQuery query(String instance, String state, String q, String page, String unmask) {
        String wanted = AdminParameters.text(state);
        if (wanted != null && !STATES.contains(wanted.toLowerCase(Locale.ROOT))) {
            throw new AdminBadRequestException("state must be waiting, answering or idle");
        }
        int number = AdminParameters.text(page) == null ? 1
                : (int) AdminParameters.wholeNumber("page", page, 1, MAX_PAGE);
        String apiState = wanted == null ? null : wanted.toLowerCase(Locale.ROOT);
        return new ConversationQuery(AdminParameters.text(instance), apiState, AdminParameters.text(q), number,
                AdminParameters.flag("unmask", unmask));
    }

    /** One page of conversations, newest activity first. */
    public ConversationPage list(ConversationQuery query) {
        List<String> conditions = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        conditions.add("true");
        if (query.instance() != null) {
            conditions.add("i.name = ?");
            params.add(query.instance());
        }
        if (query.state() != null) {
            conditions.add("(" + API_STATE + ") = ?");
            params.add(query.state());
        }
        if (query.q() != null) {
            String name = "c.push_name ilike ?";
            params.add("%" + likeEscaped(query.q()) + "%");
            if (NUMBER_LIKE.matcher(query.q()).matches()) {
                conditions.add("(" + name + " or split_part(c.contact_jid, '@', 1) like ?)");
                params.add("%" + query.q().replaceAll("[^0-9]", "") + "%");
            } else {
                conditions.add(name);
            }
        }
        params.add(PAGE_SIZE + 1);
        params.add((long) (query.page() - 1) * PAGE_SIZE);
        String sql = SUMMARIES.formatted(API_STATE, String.join(" and ", conditions), "last_at desc, c.id desc");
        List<ConversationSummary> rows = tx.inTransaction(c -> Sql.query(c, sql, ConversationBrowser::summary,
                params.toArray()));
        boolean hasMore = rows.size() > PAGE_SIZE;
        return new ConversationPage(query, hasMore ? rows.subList(0, PAGE_SIZE) : rows, hasMore);
    }

    /**
     * The transcript's parameters, as the HTTP request gave them.
     *
     * @throws ConversationNotFoundException when the contact is not digits (no conversation can have it)
     * @throws AdminBadRequestException      naming the parameter: before not a whole number from 1, unmask other than
     *                                       true or false
     */
    public TranscriptQuery transcriptQuery(String instance, String contact, String before, String unmask) {
        String digits = AdminParameters.text(contact);
        if (AdminParameters.text(instance) == null || digits == null || !DIGITS.matcher(digits).matches()) {
            throw new ConversationNotFoundException();
        }
        Long olderThan = AdminParameters.text(before) == null ? null
                : AdminParameters.wholeNumber("before", before, 1, Long.MAX_VALUE);
        return new TranscriptQuery(instance.strip(), digits, olderThan, AdminParameters.flag("unmask", unmask));
    }

    /**
     * The conversation of {@code <digits>@s.whatsapp.net}, or else of the LID-only contact {@code <digits>@lid}, with
     * its last {@value #TRANSCRIPT_SIZE} messages (before {@code before}), oldest first. One transaction, so the
     * summary and the messages agree.
     *
     * @throws ConversationNotFoundException when the instance has no such conversation
     */
    public Transcript transcript(TranscriptQuery query) {
        return tx.inTransaction(c -> {
            ConversationSummary conversation = conversation(c, query);
            if (conversation == null) {
                throw new ConversationNotFoundException();
            }
            List<TranscriptMessage> newestFirst = Sql.query(c, """
                    select id, direction, kind, status, text, received_at, part_index, part_count, ignore_reason,
                           remote_jid
                      from messages
                     where conversation_id = ? and id < ?
                     order by id desc
                     limit ?""", ConversationBrowser::message, conversation.id(),
                    query.before() == null ? Long.MAX_VALUE : query.before(), TRANSCRIPT_SIZE + 1);
            boolean hasMore = newestFirst.size() > TRANSCRIPT_SIZE;
            List<TranscriptMessage> messages = new ArrayList<>(hasMore ? newestFirst.subList(0, TRANSCRIPT_SIZE)
                    : newestFirst);
            Collections.reverse(messages);
            return new Transcript(query, conversation, List.copyOf(messages), hasMore);
        });
    }

    private static ConversationSummary conversation(Connection c, TranscriptQuery query) throws SQLException {
        String phone = query.contactDigits() + PHONE;
        String sql = SUMMARIES.formatted(API_STATE, "i.name = ? and c.contact_jid in (?, ?)",
                "(c.contact_jid = ?) desc");
        return Sql.one(c, sql, ConversationBrowser::summary, query.instance(), phone, query.contactDigits() + LID,
                phone, 1, 0L);
    }

    private static ConversationSummary summary(ResultSet rs) throws SQLException {
        return new ConversationSummary(rs.getLong("id"), rs.getString("instance"), rs.getString("contact_jid"),
                rs.getString("push_name"), rs.getString("api_state"), Sql.instant(rs, "waiting_since"),
                Sql.instant(rs, "last_at"), rs.getLong("ins"), rs.getLong("outs"), rs.getLong("waiting"));
    }

    private static TranscriptMessage message(ResultSet rs) throws SQLException {
        int index = rs.getInt("part_index");
        Integer partIndex = rs.wasNull() ? null : index;
        int count = rs.getInt("part_count");
        Integer partCount = rs.wasNull() ? null : count;
        return new TranscriptMessage(rs.getLong("id"), rs.getString("direction"), rs.getString("kind"),
                rs.getString("status"), rs.getString("text"), Sql.instant(rs, "received_at"), partIndex, partCount,
                rs.getString("ignore_reason"), rs.getString("remote_jid"));
    }

    /** The text matched literally by LIKE (its {@code %}, {@code _} and {@code \} escaped). */
    static String likeEscaped(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
