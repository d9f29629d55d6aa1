package io.atende.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.atende.conversation.ConversationControl;
import io.atende.profile.InstanceProfiles;
import io.atende.store.Sql;
import io.atende.store.Transactions;
import io.atende.support.AtendeMetrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A human attendant and the conversations, as the admin API handles them: pause the bot for one conversation (a human
 * takes it, reason {@code admin}), give it back to the bot, and list the customers who asked for a human. The changes
 * are {@link ConversationControl}'s, in one transaction each, with the gateway's clock ({@code gatewayClock}). The
 * steps the routes call first check the raw HTTP values (400 or 404 by exception), then act. Nothing here logs a
 * phone number.
 */
public final class ConversationHandoffs {

    /** A week: an admin pause longer than that is more likely a typo than a plan. */
    public static final int MAX_PAUSE_MINUTES = 10_080;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Transactions tx;
    private final Clock clock;
    private final InstanceProfiles profiles;
    private final AtendeMetrics metrics;

    public ConversationHandoffs(Transactions tx, Clock clock, InstanceProfiles profiles, AtendeMetrics metrics) {
        this.tx = tx;
        this.clock = clock;
        this.profiles = profiles;
        this.metrics = metrics;
    }

    /**
     * The conversation the path names.
     *
     * @throws ConversationNotFoundException when the contact is not digits (no conversation can have it)
     */
    public ConversationAddress address(String instance, String contact) {
        String digits = AdminParameters.text(contact);
        if (AdminParameters.text(instance) == null || digits == null
                || !ConversationBrowser.isContactDigits(digits)) {
            throw new ConversationNotFoundException();
        }
        return new ConversationAddress(instance.strip(), digits);
    }

    /**
     * The pause's path and body: no body (or {@code {}}) pauses for the number's {@code handoff.pauseMinutes},
     * {@code {"minutes": n}} for n minutes.
     *
     * @throws ConversationNotFoundException when the contact is not digits
     * @throws AdminBadRequestException      the body is not a JSON object (no field), or names another field than
     *                                       {@code minutes}, or minutes is not a number over 0 and at most
     *                                       {@value #MAX_PAUSE_MINUTES} (the field named)
     */
    public PauseRequest pauseRequest(String instance, String contact, String body) {
        ConversationAddress conversation = address(instance, contact);
        if (body == null || body.isBlank()) {
            return new PauseRequest(conversation, null);
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new AdminBadRequestException(null, "the body must be a JSON object, e.g. {\"minutes\": 30}");
        }
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("minutes")) {
                throw new AdminBadRequestException(name, name + " is not a field of a pause (only minutes)");
            }
        }
        JsonNode minutes = json.get("minutes");
        if (minutes == null || minutes.isNull()) {
            return new PauseRequest(conversation, null);
        }
        if (!minutes.isNumber() || !(minutes.asDouble() > 0) || minutes.asDouble() > MAX_PAUSE_MINUTES) {
            throw new AdminBadRequestException("minutes", "minutes must be a number over 0, at most "
                    + MAX_PAUSE_MINUTES);
        }
        return new PauseRequest(conversation, minutes.asDouble());
    }

    /**
     * A human attendant has the conversation from now on, for the minutes asked (the number's handoff pause when
     * none): {@link ConversationControl#human} with reason {@code admin}. A conversation human already gets the new
     * end, sooner or later; one new handoff is counted ({@code atende_handoffs_total{reason="admin"}}).
     *
     * @return the conversation's summary afterwards
     * @throws ConversationNotFoundException when the number has no conversation with this contact
     */
    public ConversationSummary pause(PauseRequest request) {
        ConversationAddress at = request.conversation();
        Instant now = clock.instant();
        Duration pause = request.minutes() == null ? profiles.of(at.instance()).handoff().pause()
                : Duration.ofMillis(Math.round(request.minutes() * 60_000));
        record Paused(boolean handoff, ConversationSummary summary) {
        }
        Paused paused = tx.inTransaction(c -> {
            ConversationSummary before = ConversationBrowser.conversation(c, at.instance(), at.contactDigits(), now);
            if (before == null) {
                throw new ConversationNotFoundException();
            }
            boolean handoff = ConversationControl.human(c, before.id(), ConversationControl.Reason.ADMIN, now,
                    now.plus(pause), null);
            return new Paused(handoff, ConversationBrowser.conversation(c, at.instance(), at.contactDigits(), now));
        });
        if (paused.handoff()) {
            metrics.handoff(paused.summary().instance(), ConversationControl.Reason.ADMIN.code());
        }
        return paused.summary();
    }

    /**
     * The bot has the conversation again at once ({@link ConversationControl#resume}, by {@code admin}); a conversation
     * that was not human is left as it is.
     *
     * @return the conversation's summary afterwards
     * @throws ConversationNotFoundException when the number has no conversation with this contact
     */
    public ConversationSummary resume(ConversationAddress at) {
        Instant now = clock.instant();
        return tx.inTransaction(c -> {
            ConversationSummary before = ConversationBrowser.conversation(c, at.instance(), at.contactDigits(), now);
            if (before == null) {
                throw new ConversationNotFoundException();
            }
            ConversationControl.resume(c, before.id(), ConversationControl.Reason.ADMIN, now, null);
            return ConversationBrowser.conversation(c, at.instance(), at.contactDigits(), now);
        });
    }

    /**
     * {@code GET /admin/handoffs}'s parameters.
     *
     * @throws AdminBadRequestException unmask other than true or false
     */
    public HandoffQuery handoffQuery(String instance, String unmask) {
        return new HandoffQuery(AdminParameters.text(instance), AdminParameters.flag("unmask", unmask));
    }

    /**
     * The customers who asked for a human and have one now (reason {@code customer}, not opted out), oldest handoff
     * first, with how long each has waited in the number's business hours while the operator has not written.
     */
    public HandoffList handoffs(HandoffQuery query) {
        Instant now = clock.instant();
        List<Object> params = new ArrayList<>();
        params.add(now);
        if (query.instance() != null) {
            params.add(query.instance());
        }
        String instance = query.instance() == null ? "" : " and i.name = ?";
        record Row(long id, String instance, String contactJid, String pushName, Instant since, Instant until,
                   boolean answered) {
        }
        List<Row> rows = tx.inTransaction(c -> Sql.query(c, """
                select c.id, i.name, c.contact_jid, c.push_name, c.human_since, c.human_until,
                       coalesce(c.operator_seen_at >= c.human_since, false) as answered
                  from conversations c join instances i on i.id = c.instance_id
                 where c.human_until > ? and c.human_reason = 'customer' and c.opted_out_at is null""" + instance + """

                 order by c.human_since, c.id""",
                rs -> new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        Sql.instant(rs, "human_since"),
                        Sql.instant(rs, "human_until"), rs.getBoolean("answered")), params.toArray()));
        List<Handoff> items = new ArrayList<>(rows.size());
        for (Row r : rows) {
            items.add(new Handoff(r.id(), r.instance(), r.contactJid(), r.pushName(), r.since(), r.until(), r.answered(),
                    r.answered() ? 0 : waitingSeconds(r.instance(), r.since(), now)));
        }
        return new HandoffList(query, List.copyOf(items));
    }

    /** How long the number has been open between the handoff and now, in whole seconds. */
    long waitingSeconds(String instance, Instant since, Instant now) {
        return since == null ? 0 : profiles.of(instance).hours().openBetween(since, now).toSeconds();
    }
}
