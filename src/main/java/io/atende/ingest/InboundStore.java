package io.atende.ingest;

import io.atende.ingest.IngestOutcome.Status;
import io.atende.profile.InstanceProfile;
import io.atende.reply.Notices;
import io.atende.reply.OutboundMessage;
import io.atende.store.GroupCommit;
import io.atende.store.Sql;
import io.atende.store.Transactions;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * Persists normalised webhooks before they are acknowledged, each in a transaction it may share with webhooks that
 * arrived at the same moment (group commit, see {@link GroupCommit}):
 * the tenant, the contact's conversation (one per contact, whether WhatsApp addresses it by phone or by LID),
 * the message itself (exactly once per instance and WhatsApp id), and any immediate notice owed to the customer.
 */
public final class InboundStore {

    /** Ignore reason for a fromMe echo of a reply Atende itself sent. */
    public static final String OWN_REPLY = "own_reply";
    /** Ignore reason for media without text when the notice is switched off. */
    public static final String MEDIA_NOT_ANSWERED = "media_without_text";

    /**
     * Admission control: when the estimated wait (conversations ahead × recent mean LLM time ÷ slots) exceeds
     * {@code thresholdSeconds}, the customer gets one immediate notice with their place in the queue.
     *
     * @param template    text with an optional {@code {position}} placeholder; blank switches the notice off
     * @param slots       the LLM slots usable now (with several backends, the healthy ones)
     * @param meanSeconds recent mean duration of one LLM call
     */
    public record BusyNotice(double thresholdSeconds, String template, IntSupplier slots, DoubleSupplier meanSeconds) {
        public BusyNotice {
            template = template == null ? "" : template.strip();
        }
    }

    private final String mediaNotice;
    private final BusyNotice busy;
    private final GroupCommit<InboundEvent, IngestOutcome> commits;
    private volatile java.time.Clock clock = java.time.Clock.systemUTC();
    /** Each number's notice texts (its profile's); empty: that notice is off for the number. */
    private volatile Function<String, InstanceProfile.Texts> texts;

    /**
     * @param mediaNotice polite text for media without text; blank switches the notice off
     * @param maxBatch    most webhooks committed in one transaction (group commit); 1: one transaction each
     */
    public InboundStore(Transactions tx, String mediaNotice, BusyNotice busy, int maxBatch) {
        this.mediaNotice = mediaNotice == null ? "" : mediaNotice.strip();
        this.busy = busy;
        this.commits = new GroupCommit<>("atende-ingest-commit", tx, maxBatch, this::persistAll);
        String defaultMedia = this.mediaNotice;
        this.texts = instance -> new InstanceProfile.Texts(null, busy.template(), defaultMedia);
        commits.start();
    }

    /**
     * Where each number's media and busy notices come from (its profile); without it, the texts given to the
     * constructor. The busy notice's threshold and estimate stay the gateway's: they measure the shared LLM.
     */
    public void textsFrom(Function<String, InstanceProfile.Texts> byInstance) {
        this.texts = byInstance;
    }

    private String mediaText(String instance) {
        String t = texts.apply(instance).media();
        return t == null ? "" : t.strip();
    }

    private String busyText(String instance) {
        String t = texts.apply(instance).busy();
        return t == null ? "" : t.strip();
    }

    /** The committer, a Camel service: stopped with the context, after the webhook routes. */
    public GroupCommit<InboundEvent, IngestOutcome> groupCommit() {
        return commits;
    }

    /**
     * Persists one webhook's event and returns once it is committed. Webhooks arriving together share a
     * transaction (group commit); each one's outcome is its own.
     */
    public IngestOutcome persist(InboundEvent e) {
        return commits.submit(e);
    }

    /**
     * One batch of webhooks in the caller's transaction: customer texts in one round trip (V8
     * {@code atende_ingest_texts}), everything else one by one. Outcomes come back in the events' order.
     */
    List<IngestOutcome> persistAll(Connection c, List<InboundEvent> events) throws SQLException {
        IngestOutcome[] out = new IngestOutcome[events.size()];
        List<Integer> texts = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            if (isPlainText(events.get(i))) {
                texts.add(i);
            } else {
                out[i] = persistOther(c, events.get(i));
            }
        }
        if (!texts.isEmpty()) {
            List<IngestOutcome> done = persistTexts(c, texts.stream().map(events::get).toList());
            for (int k = 0; k < texts.size(); k++) {
                out[texts.get(k)] = done.get(k);
            }
        }
        return Arrays.asList(out);
    }

    private IngestOutcome persistOther(Connection c, InboundEvent e) throws SQLException {
        long instanceId = upsertInstance(c, e.instance());
        if (e.waMessageId() == null) {
            // Not a message (connection.update, presence.update, ...): count it, keep nothing else.
            String reason = e.ignoreReason().code();
            Sql.update(c, """
                    insert into ignored_events (instance_id, event, reason, count) values (?, ?, ?, 1)
                    on conflict (instance_id, event, reason) do update
                      set count = ignored_events.count + 1, last_seen = now()""", instanceId, e.event(), reason);
            return new IngestOutcome(e, Status.IGNORED, reason, null, List.of());
        }

        Long conversationId = null;
        String contact = null;
        // The operator's messages and those the profile screened out belong to the contact's conversation (its
        // transcript); the other ignored kinds (groups, broadcasts, reactions...) belong to no conversation.
        boolean customerChat = !e.isIgnored() || e.ignoreReason() == InboundEvent.IgnoreReason.FROM_ME
                || e.ignoreReason().byProfile();
        if (customerChat) {
            contact = resolveContact(c, instanceId, e);
            // Locks the conversation row: the dispatcher skips it until this message is committed.
            conversationId = upsertConversation(c, instanceId, contact, e.fromMe() ? null : e.pushName());
        }

        String status;
        String kind;
        String reason = null;
        boolean notice = false;
        String mediaNotice = "";
        if (e.isIgnored()) {
            status = "ignored";
            kind = "ignored";
            reason = e.ignoreReason().code();
            if (e.ignoreReason() == InboundEvent.IgnoreReason.FROM_ME && isOwnReply(c, instanceId, e.waMessageId())) {
                reason = OWN_REPLY;
            }
        } else if (e.isMediaWithoutText()) {
            kind = "media";
            mediaNotice = mediaText(e.instance());
            notice = !mediaNotice.isEmpty();
            status = notice ? "noticed" : "ignored";
            reason = notice ? null : MEDIA_NOT_ANSWERED;
        } else {
            kind = "text";
            status = "waiting";
        }

        Long messageId = Sql.oneLong(c, """
                insert into messages (instance_id, conversation_id, direction, wa_message_id, remote_jid, kind,
                                      message_type, text, status, ignore_reason, wa_timestamp)
                values (?, ?, 'in', ?, ?, ?, ?, ?, ?, ?, ?)
                on conflict (instance_id, wa_message_id) where direction = 'in' do nothing
                returning id""",
                instanceId, conversationId, e.waMessageId(), e.chatJid(), kind, e.messageType(), e.text(), status,
                reason, e.sentAt());
        if (messageId == null) {
            return new IngestOutcome(e, Status.DUPLICATE, null, null, List.of());
        }

        if ("waiting".equals(status)) {
            Sql.update(c, """
                    update conversations
                       set waiting_since = coalesce(waiting_since, clock_timestamp()), last_inbound_at = now()
                     where id = ?""", conversationId);
            OutboundMessage busyNotice = busyNoticeIfDue(c, conversationId, contact, e.instance(), messageId);
            return new IngestOutcome(e, Status.ACCEPTED, null, messageId,
                    busyNotice == null ? List.of() : List.of(busyNotice));
        }
        if (notice) {
            OutboundMessage out = Notices.queue(c, instanceId, conversationId, e.instance(), contact, mediaNotice, messageId);
            return new IngestOutcome(e, Status.NOTICED, null, messageId, List.of(out));
        }
        return new IngestOutcome(e, Status.IGNORED, reason, messageId, List.of());
    }

    /**
     * The common case: a customer's text, with no LID-to-phone alias to learn. Everything is done by the
     * {@code atende_ingest_text} function (V7) in one round trip; the busy notice, once per wait, adds two.
     */
    static boolean isPlainText(InboundEvent e) {
        return e.waMessageId() != null && !e.isIgnored() && !e.isMediaWithoutText()
                && !(e.phoneJid() != null && e.lidJid() != null);
    }

    private List<IngestOutcome> persistTexts(Connection c, List<InboundEvent> events) throws SQLException {
        double meanSeconds = busy.meanSeconds().getAsDouble();
        int slots = Math.max(1, busy.slots().getAsInt());
        // One limit for the batch (the function takes one): counted when any of its numbers has a busy notice.
        boolean anyBusyText = events.stream().anyMatch(e -> !busyText(e.instance()).isEmpty());
        int busyLimit = anyBusyText ? busyCountLimit(busy.thresholdSeconds(), slots, meanSeconds) : 0;
        record Row(Long messageId, long conversationId, String contact, Long ahead, Long inFlight, String status) {
        }
        int n = events.size();
        String[] instance = new String[n], phone = new String[n], lid = new String[n], other = new String[n],
                push = new String[n], waId = new String[n], remote = new String[n], type = new String[n],
                text = new String[n];
        Instant[] sentAt = new Instant[n];
        for (int i = 0; i < n; i++) {
            InboundEvent e = events.get(i);
            instance[i] = e.instance();
            phone[i] = e.phoneJid();
            lid[i] = e.lidJid();
            other[i] = e.contactJid();
            push[i] = e.fromMe() ? null : e.pushName();
            waId[i] = e.waMessageId();
            remote[i] = e.chatJid();
            type[i] = e.messageType();
            text[i] = e.text();
            sentAt[i] = e.sentAt();
        }
        List<Row> rows = Sql.query(c, """
                select message_id, conversation_id, contact_jid, busy_ahead, busy_in_flight, status
                  from atende_ingest_texts(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::integer, ?)
                 order by ord""",
                rs -> new Row(rs.getObject(1, Long.class), rs.getLong(2), rs.getString(3),
                        rs.getObject(4, Long.class), rs.getObject(5, Long.class), rs.getString(6)),
                instance, phone, lid, other, push, waId, remote, type, text, sentAt, busyLimit, clock.instant());
        List<IngestOutcome> out = new ArrayList<>(n);
        // Two texts of one conversation in one batch both see "not noticed yet": the notice is still once per wait.
        Set<Long> noticed = new HashSet<>();
        for (int i = 0; i < n; i++) {
            InboundEvent e = events.get(i);
            Row r = rows.get(i);
            if (r.messageId() == null) {
                out.add(new IngestOutcome(e, Status.DUPLICATE, null, null, List.of()));
                continue;
            }
            OutboundMessage notice = null;
            if (r.ahead() != null && !noticed.contains(r.conversationId()) && !busyText(e.instance()).isEmpty()) {
                long ahead = r.ahead();
                if (estimatedWait(ahead, r.inFlight(), meanSeconds, slots) > busy.thresholdSeconds()) {
                    if (ahead >= busyLimit) {
                        ahead = exactAhead(c, r.conversationId()); // the count stopped at the limit: the place needs all
                    }
                    notice = queueBusyNotice(c, r.conversationId(), r.contact(), e.instance(), ahead, r.messageId());
                    noticed.add(r.conversationId());
                }
            }
            out.add(new IngestOutcome(e, Status.ACCEPTED, null, r.messageId(),
                    notice == null ? List.of() : List.of(notice)));
        }
        return out;
    }

    /**
     * The smallest number of conversations ahead for which the estimated wait can exceed the bound (whatever is
     * in flight), at least 1; 0 when no number can (no LLM time to estimate with). Counting the backlog only up to
     * this limit decides the busy notice exactly as counting all of it would.
     */
    static int busyCountLimit(double thresholdSeconds, int llmSlots, double meanSeconds) {
        if (!(meanSeconds > 0)) {
            return 0;
        }
        double bound = Math.floor(thresholdSeconds * llmSlots / meanSeconds);
        if (bound >= Integer.MAX_VALUE) {
            return Integer.MAX_VALUE;
        }
        return (int) Math.max(1, bound);
    }

    private static double estimatedWait(long ahead, long inFlight, double meanSeconds, int slots) {
        return (ahead + inFlight + 1) * meanSeconds / slots;
    }

    private static long exactAhead(Connection c, long conversationId) throws SQLException {
        return Sql.oneLong(c, """
                select count(*) from conversations o, conversations me
                 where me.id = ? and o.state = 'idle' and o.waiting_since is not null and o.id <> me.id
                   and o.waiting_since <= me.waiting_since""", conversationId);
    }

    private OutboundMessage queueBusyNotice(Connection c, long conversationId, String contact, String instance,
                                            long ahead, long messageId) throws SQLException {
        String text = busyText(instance).replace("{position}", String.valueOf(ahead + 1));
        long instanceId = Sql.oneLong(c, """
                update conversations set busy_noticed_at = now() where id = ? returning instance_id""",
                conversationId);
        return Notices.queue(c, instanceId, conversationId, instance, contact, text, messageId);
    }

    /**
     * The general path's busy notice (the text path decides it from the figures of {@code atende_ingest_text}): one
     * per wait, only while the conversation waits for a slot, only when the wait looks long.
     */
    private OutboundMessage busyNoticeIfDue(Connection c, long conversationId, String contact, String instance,
                                            long messageId) throws SQLException {
        if (busyText(instance).isEmpty()) {
            return null;
        }
        record Queue(long ahead, long inFlight) {
        }
        Queue q = Sql.one(c, """
                select (select count(*) from conversations o
                         where o.state = 'idle' and o.waiting_since is not null and o.id <> me.id
                           and o.waiting_since <= me.waiting_since),
                       (select count(*) from conversations where state = 'answering')
                  from conversations me
                 where me.id = ? and me.state = 'idle' and me.busy_noticed_at is null""",
                rs -> new Queue(rs.getLong(1), rs.getLong(2)), conversationId);
        if (q == null) {
            return null; // already noticed in this wait, or being answered right now
        }
        if (estimatedWait(q.ahead(), q.inFlight(), busy.meanSeconds().getAsDouble(), Math.max(1, busy.slots().getAsInt()))
                <= busy.thresholdSeconds()) {
            return null;
        }
        return queueBusyNotice(c, conversationId, contact, instance, q.ahead(), messageId);
    }

    private static long upsertInstance(Connection c, String name) throws SQLException {
        Long id = Sql.oneLong(c, "select id from instances where name = ?", name);
        if (id != null) {
            return id;
        }
        Sql.update(c, "insert into instances (name) values (?) on conflict (name) do nothing", name);
        return Sql.oneLong(c, "select id from instances where name = ?", name);
    }

    /**
     * The conversation key: the phone JID whenever it is known (directly, or through a learnt LID alias),
     * else the LID. Learning an alias folds an earlier LID-keyed conversation into the phone one.
     */
    private static String resolveContact(Connection c, long instanceId, InboundEvent e) throws SQLException {
        String phone = e.phoneJid();
        String lid = e.lidJid();
        if (phone != null && lid != null) {
            learnAlias(c, instanceId, lid, phone);
            return phone;
        }
        if (phone != null) {
            return phone;
        }
        if (lid != null) {
            String known = Sql.one(c, "select phone_jid from contact_aliases where instance_id = ? and lid_jid = ?",
                    rs -> rs.getString(1), instanceId, lid);
            return known != null ? known : lid;
        }
        return e.contactJid();
    }

    private static void learnAlias(Connection c, long instanceId, String lid, String phone) throws SQLException {
        Sql.update(c, """
                insert into contact_aliases (instance_id, lid_jid, phone_jid) values (?, ?, ?)
                on conflict (instance_id, lid_jid) do update set phone_jid = excluded.phone_jid, learnt_at = now()""",
                instanceId, lid, phone);
        Long lidConversation = Sql.oneLong(c, """
                select id from conversations where instance_id = ? and contact_jid = ? and state = 'idle'
                for update""", instanceId, lid);
        if (lidConversation == null) {
            return; // nothing to fold, or busy: folded on a later message
        }
        Long phoneConversation = Sql.oneLong(c, """
                select id from conversations where instance_id = ? and contact_jid = ? for update""", instanceId, phone);
        if (phoneConversation == null) {
            Sql.update(c, "update conversations set contact_jid = ? where id = ?", phone, lidConversation);
            return;
        }
        Sql.update(c, "update messages set conversation_id = ? where conversation_id = ?", phoneConversation, lidConversation);
        Sql.update(c, """
                update conversations p
                   set waiting_since = least(p.waiting_since, l.waiting_since),
                       last_inbound_at = greatest(p.last_inbound_at, l.last_inbound_at)
                  from conversations l
                 where p.id = ? and l.id = ?""", phoneConversation, lidConversation);
        Sql.update(c, "delete from conversations where id = ?", lidConversation);
    }

    private static long upsertConversation(Connection c, long instanceId, String contact, String pushName) throws SQLException {
        return Sql.oneLong(c, """
                insert into conversations (instance_id, contact_jid, push_name) values (?, ?, ?)
                on conflict (instance_id, contact_jid) do update
                  set push_name = coalesce(excluded.push_name, conversations.push_name)
                returning id""", instanceId, contact, pushName);
    }

    private static boolean isOwnReply(Connection c, long instanceId, String waMessageId) throws SQLException {
        return Sql.oneLong(c, """
                select id from messages where instance_id = ? and direction = 'out' and wa_message_id = ?""",
                instanceId, waMessageId) != null;
    }

}
