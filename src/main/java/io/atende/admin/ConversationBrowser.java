package io.atende.admin;

import io.atende.store.Sql;
import io.atende.store.Transactions;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * The API's states ({@link #API_STATE}), the first that holds: {@code opted_out} (the contact opted out), {@code human}
 * (a human attendant has the conversation: {@code human_until} later than the gateway's clock), {@code answering}
 * ({@code conversations.state} answering or replying: an LLM call or a delivery in progress), {@code waiting} (messages
 * wait for the LLM), {@code idle}. The time is the gateway's clock ({@code gatewayClock}), never the database's now().
 */
public final class ConversationBrowser {

    public static final int PAGE_SIZE = 50;
    public static final int TRANSCRIPT_SIZE = 100;
    public static final Set<String> STATES = Set.of("waiting", "answering", "idle", "human", "opted_out");
    /** Far beyond any shop's conversations; keeps the offset a sane number. */
    static final int MAX_PAGE = 1_000_000;

    private static final String PHONE = "@s.whatsapp.net";
    private static final String LID = "@lid";
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,32}");
    /** A query that reads as a phone number: digits with the usual separators ("+55 (21) 98765-4321"). */
    private static final Pattern NUMBER_LIKE = Pattern.compile("[0-9+()\\-.\\s]*[0-9][0-9+()\\-.\\s]*");

    /**
     * The API's state of conversation {@code c} at {@code clock.at} (the gateway's time): one rule for the list, its
     * filter, the transcript and the {@code atende_conversations} gauge.
     */
    static final String API_STATE = """
            case when c.opted_out_at is not null then 'opted_out'
                 when c.human_until > clock.at then 'human'
                 when c.state in ('answering', 'replying') then 'answering'
                 when c.waiting_since is not null then 'waiting'
                 else 'idle' end""";

    /**
     * The summaries of the conversations matching %s (a condition), ordered by %s; the parameters: the gateway's time,
     * the condition's, then "limit ? offset ?".
     */
    private static final String SUMMARIES = """
            with page as (
                select c.id, i.name as instance, c.contact_jid, c.push_name, %1$s as api_state, c.waiting_since,
                       c.human_reason, c.human_since, c.human_until, c.opted_out_at,
                       coalesce((select m.received_at from messages m where m.conversation_id = c.id
                                  order by m.id desc limit 1), c.created_at) as last_at
                  from conversations c join instances i on i.id = c.instance_id
                       cross join (select ?::timestamptz as at) clock
                 where %2$s
                 order by %3$s
                 limit ? offset ?)
            select p.id, p.instance, p.contact_jid, p.push_name, p.api_state, p.waiting_since, p.last_at,
                   p.human_reason, p.human_since, p.human_until, p.opted_out_at,
                   k.ins, k.outs, k.waiting
              from page p cross join lateral (
                   select count(*) filter (where m.direction = 'in') as ins,
                          count(*) filter (where m.direction = 'out') as outs,
                          count(*) filter (where m.direction = 'in' and m.status in ('waiting', 'transcribing', 'answering'))
                                 as waiting
                     from messages m where m.conversation_id = p.id) k
             order by p.last_at desc, p.id desc""";

    private final Transactions tx;
    private final Clock clock;

    /** @param clock the gateway's clock: whether a conversation is human now is decided with it */
    public ConversationBrowser(Transactions tx, Clock clock) {
        this.tx = tx;
        this.clock = clock;
    }

    /**
     * The list's parameters, as the HTTP request gave them (each may be absent).
     *
     * @throws AdminBadRequestException naming the parameter: a state other than waiting, answering, idle, human or
     *                                  opted_out, a page that is not a whole number from 1, an unmask other than true
     *                                  or false
     */
    public ConversationQuery query(String instance, String state, String q, String page, String unmask) {
        String wanted = AdminParameters.text(state);
        if (wanted != null && !STATES.contains(wanted.toLowerCase(Locale.ROOT))) {
            throw new AdminBadRequestException("state must be waiting, answering, idle, human or opted_out");
        }
        int number = AdminParameters.text(page) == null ? 1
                : (int) AdminParameters.wholeNumber("page", page, 1, MAX_PAGE);
        String apiState = wanted == null ? null : wanted.toLowerCase(Locale.ROOT);
        return new ConversationQuery(AdminParameters.text(instance), apiState, AdminParameters.text(q), number,
                AdminParameters.flag("unmask", unmask));
    }

    /** One page of conversations, newest activity first. */
    public ConversationPage list(ConversationQuery query) {
        Instant now = clock.instant();
        List<String> conditions = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        params.add(now);
        conditions.add("true");
        if (query.instance() != null) {
            conditions.add("i.name = ?");
            params.add(query.instance());
        }
        if (query.state() != null) {
            conditions.add("(" + API_STATE + ") = ?");
            params.add(query.state());
        }
        if (query.reasons() != null) {
            conditions.add("c.human_reason = any(?)");
            params.add(query.reasons().toArray(String[]::new));
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
        List<ConversationSummary> rows = tx.inTransaction(c -> Sql.query(c, sql, rs -> summary(rs, now),
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
        if (AdminParameters.text(instance) == null || digits == null || !isContactDigits(digits)) {
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
            ConversationSummary conversation = conversation(c, query.instance(), query.contactDigits(),
                    clock.instant());
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

    /**
     * The instance's conversation with {@code <digits>@s.whatsapp.net}, or else with the LID-only contact
     * {@code <digits>@lid}, as it is at {@code now}; null when there is none. The transcript's addressing, also used by
     * the pause and resume operations.
     */
    static ConversationSummary conversation(Connection c, String instance, String contactDigits, Instant now)
            throws SQLException {
        String phone = contactDigits + PHONE;
        String sql = SUMMARIES.formatted(API_STATE, "i.name = ? and c.contact_jid in (?, ?)",
                "(c.contact_jid = ?) desc");
        return Sql.one(c, sql, rs -> summary(rs, now), now, instance, phone, contactDigits + LID, phone, 1, 0L);
    }

    private static ConversationSummary summary(ResultSet rs, Instant now) throws SQLException {
        String state = rs.getString("api_state");
        ConversationSummary.Human human = null;
        if ("human".equals(state)) {
            Instant until = Sql.instant(rs, "human_until");
            human = new ConversationSummary.Human(rs.getString("human_reason"), Sql.instant(rs, "human_since"), until,
                    secondsUntil(now, until));
        }
        return new ConversationSummary(rs.getLong("id"), rs.getString("instance"), rs.getString("contact_jid"),
                rs.getString("push_name"), state, Sql.instant(rs, "waiting_since"),
                Sql.instant(rs, "last_at"), rs.getLong("ins"), rs.getLong("outs"), rs.getLong("waiting"), human,
                Sql.instant(rs, "opted_out_at"));
    }

    /** Whole seconds from {@code now} to {@code until}, rounded up (a pause with 0.2 s left is still 1 s away). */
    static long secondsUntil(Instant now, Instant until) {
        long millis = Duration.between(now, until).toMillis();
        return millis <= 0 ? 0 : (millis + 999) / 1000;
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

    /** A contact's address in a path: the digits of its phone number or LID. */
    static boolean isContactDigits(String digits) {
        return DIGITS.matcher(digits).matches();
    }

    /** The text matched literally by LIKE (its {@code %}, {@code _} and {@code \} escaped). */
    static String likeEscaped(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
