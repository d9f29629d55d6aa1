package io.atende.ingest;

import io.atende.ingest.IngestOutcome.Status;
import io.atende.conversation.ConversationControl;
import io.atende.profile.BusinessHours;
import io.atende.profile.EffectiveProfile;
import io.atende.profile.ProfileDefaults;
import io.atende.reply.Notices;
import io.atende.reply.OutboundMessage;
import io.atende.store.GroupCommit;
import io.atende.store.Sql;
import io.atende.store.Transactions;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
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
    /** Ignore reason for the operator's resume keyword: it gives the conversation back, and is not a turn. */
    public static final String OPERATOR_RESUME = "operator_resume";
    /** Ignore reason for media without text when the notice is switched off. */
    public static final String MEDIA_NOT_ANSWERED = "media_without_text";
    /** A voice note over ATENDE_STT_MAX_SECONDS: its outbound kind, and its ignore reason when the text is off. */
    public static final String VOICE_TOO_LONG = "voice_too_long";

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
    private final GroupCommit<Pending, IngestOutcome> commits;
    private volatile Clock clock = Clock.systemUTC();
    private volatile boolean transcribe;
    private volatile int voiceMaxSeconds = Integer.MAX_VALUE;
    /** Each number's profile: its notice texts (empty: off), keywords, pause and hours. */
    private volatile Function<String, EffectiveProfile> profiles;

    /**
     * @param mediaNotice polite text for media without text; blank switches the notice off
     * @param maxBatch    most webhooks committed in one transaction (group commit); 1: one transaction each
     */
    public InboundStore(Transactions tx, String mediaNotice, BusyNotice busy, int maxBatch) {
        this.mediaNotice = mediaNotice == null ? "" : mediaNotice.strip();
        this.busy = busy;
        this.commits = new GroupCommit<>("atende-ingest-commit", tx, maxBatch, this::commitAll);
        ProfileDefaults defaults = new ProfileDefaults("", "", 0, 1, 0, "", busy.template(), this.mediaNotice, 0,
                "http://localhost", "");
        this.profiles = instance -> EffectiveProfile.defaults(instance, defaults);
        commits.start();
    }

    /**
     * Where each number's settings come from (its profile): notices, keywords, pause, hours; without it, the texts
     * given to the constructor and no quiet rules. The busy notice's threshold and estimate stay the gateway's: they
     * measure the shared LLM.
     */
    public void profilesFrom(Function<String, EffectiveProfile> byInstance) {
        this.profiles = byInstance;
    }

    /** The clock pauses and business hours are decided with (passed into the SQL too). */
    /**
     * @param transcribe a speech-to-text server is configured (ATENDE_STT_URL): a voice note of a number whose
     *                   profile allows it waits for its transcript instead of getting the media notice
     * @param maxSeconds longer notes are declined (the too-long text) and not transcribed
     */
    public void voiceNotes(boolean transcribe, int maxSeconds) {
        this.transcribe = transcribe;
        this.voiceMaxSeconds = maxSeconds;
    }

    public void clock(Clock clock) {
        this.clock = clock;
    }

    private String mediaText(String instance) {
        String t = profiles.apply(instance).texts().media();
        return t == null ? "" : t.strip();
    }

    private String busyText(String instance) {
        String t = profiles.apply(instance).texts().busy();
        return t == null ? "" : t.strip();
    }

    /** The committer, a Camel service: stopped with the context, after the webhook routes. */
    public GroupCommit<?, IngestOutcome> groupCommit() {
        return commits;
    }

    /**
     * Persists one webhook's event and returns once it is committed. Webhooks arriving together share a
     * transaction (group commit); each one's outcome is its own.
     */
    public IngestOutcome persist(InboundEvent e) {
        // The profile and the words are read on the webhook's own thread: the committer thread serves every webhook.
        return commits.submit(new Pending(e, situation(e)));
    }

    /** An event on its way to the group commit, with what its number's profile and the clock say about it. */
    record Pending(InboundEvent event, Situation situation) {
    }

    private Situation situation(InboundEvent e) {
        return Situation.of(e, profiles.apply(e.instance()), clock.instant());
    }

    /** {@link #commitAll} for events not submitted yet (tests of one batch). */
    List<IngestOutcome> persistAll(Connection c, List<InboundEvent> events) throws SQLException {
        return commitAll(c, events.stream().map(e -> new Pending(e, situation(e))).toList());
    }

    /**
     * One batch of webhooks in the caller's transaction: customer texts in one round trip (V13
     * {@code atende_ingest_texts}), everything else one by one. Outcomes come back in the events' order.
     */
    private List<IngestOutcome> commitAll(Connection c, List<Pending> batch) throws SQLException {
        IngestOutcome[] out = new IngestOutcome[batch.size()];
        List<Integer> texts = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            if (isPlainText(p.event()) && p.situation().plain()) {
                texts.add(i);
            } else {
                out[i] = persistOther(c, p.event(), p.situation());
            }
        }
        if (!texts.isEmpty()) {
            List<IngestOutcome> done = persistTexts(c, texts.stream().map(i -> batch.get(i).event()).toList(),
                    texts.stream().map(i -> batch.get(i).situation()).toList(), clock.instant());
            for (int k = 0; k < texts.size(); k++) {
                out[texts.get(k)] = done.get(k);
            }
        }
        return Arrays.asList(out);
    }

    private IngestOutcome persistOther(Connection c, InboundEvent e, Situation s) throws SQLException {
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
        boolean operator = e.ignoreReason() == InboundEvent.IgnoreReason.FROM_ME;
        boolean customerChat = !e.isIgnored() || operator || e.ignoreReason().byProfile();
        if (customerChat) {
            contact = resolveContact(c, instanceId, e);
            // Locks the conversation row: the dispatcher skips it until this message is committed.
            conversationId = upsertConversation(c, instanceId, contact, e.fromMe() ? null : e.pushName());
        }
        if (!e.isIgnored()) {
            return persistCustomer(c, e, s, instanceId, conversationId, contact);
        }

        String reason = e.ignoreReason().code();
        boolean operatorTyped = false;
        if (operator) {
            if (isOwnReply(c, instanceId, e.waMessageId()) || isEchoOfOwnSend(c, conversationId, e.text())) {
                reason = OWN_REPLY;
            } else if (s.profile().handoff().isResume(e.text())) {
                reason = OPERATOR_RESUME;
            } else {
                operatorTyped = true;
            }
        }
        Long messageId = insertInbound(c, instanceId, conversationId, e, "ignored", "ignored", reason);
        if (messageId == null) {
            return new IngestOutcome(e, Status.DUPLICATE, null, null, List.of());
        }
        List<IngestOutcome.Change> changes = new ArrayList<>();
        if (OPERATOR_RESUME.equals(reason)) {
            if (ConversationControl.resume(c, conversationId, ConversationControl.Reason.OPERATOR, s.now(), messageId)) {
                changes.add(new IngestOutcome.Change(IngestOutcome.Change.Kind.RESUMED, "operator"));
            }
        } else if (operatorTyped) {
            // The operator is typing on the phone or WhatsApp Web: the bot keeps quiet until the pause has passed
            // with no further message from them.
            if (ConversationControl.human(c, conversationId, ConversationControl.Reason.OPERATOR, s.now(),
                    s.now().plus(s.profile().handoff().pause()), messageId)) {
                changes.add(new IngestOutcome.Change(IngestOutcome.Change.Kind.HANDOFF, "operator"));
            }
        }
        return new IngestOutcome(e, Status.IGNORED, reason, messageId, List.of(), changes);
    }

    /**
     * The conversation's quiet state as this transaction sees it: {@link #upsertConversation} locked the row, so a
     * takeover or opt-out committed by another webhook is seen here, and none can start until this one commits.
     */
    private record Quiet(boolean optedOut, boolean human, Instant outOfHoursPeriod) {
    }

    private static Quiet quiet(Connection c, long conversationId, Instant now) throws SQLException {
        return Sql.one(c, """
                select opted_out_at is not null, coalesce(human_until > ?, false), out_of_hours_period
                  from conversations where id = ?""",
                rs -> new Quiet(rs.getBoolean(1), rs.getBoolean(2), Sql.instant(rs, "out_of_hours_period")),
                now, conversationId);
    }

    /**
     * A customer's text or media on the general path: what the conversation's state (opted out, human), the
     * customer's words (stop, resume, a human please) and the number's hours let it get. Nothing changes for a
     * duplicate delivery: every effect follows the message's insert.
     */
    private IngestOutcome persistCustomer(Connection c, InboundEvent e, Situation s, long instanceId,
                                          long conversationId, String contact) throws SQLException {
        Quiet q = quiet(c, conversationId, s.now());
        EffectiveProfile p = s.profile();
        String kind = e.isMediaWithoutText() ? "media" : "text";
        boolean voice = e.isVoiceNote() && transcribe && s.profile().voice();
        Situation.Intent act = Situation.Intent.NONE;
        String held = null; // why the message is stored without an answer
        boolean outOfHoursNotice = false;
        List<IngestOutcome.Change> changes = new ArrayList<>();
        if (q.optedOut()) {
            act = s.intent() == Situation.Intent.OPT_IN ? Situation.Intent.OPT_IN : Situation.Intent.NONE;
            held = act == Situation.Intent.OPT_IN ? "opt_in" : "opted_out";
        } else if (s.intent() == Situation.Intent.STOP) {
            held = "opt_out"; // confirmed even while a human has the conversation
            act = Situation.Intent.STOP;
        } else if (q.human()) {
            held = "human"; // the human sees it; no automatic message of any kind
        } else if (s.intent() == Situation.Intent.HANDOFF) {
            held = "handoff";
            act = Situation.Intent.HANDOFF;
        } else if (s.closedSince() != null) {
            changes.add(new IngestOutcome.Change(IngestOutcome.Change.Kind.OUT_OF_HOURS, p.hours().policy().code()));
            if (s.closedWithNotice()) {
                outOfHoursNotice = q.outOfHoursPeriod() == null || q.outOfHoursPeriod().isBefore(s.closedSince());
                if (p.hours().policy() == BusinessHours.Policy.NOTICE_ONLY) {
                    held = "out_of_hours";
                }
            }
        }

        String status;
        String mediaNotice = "";
        String tooLong = "";
        String reason = null;
        if (held != null) {
            // stored under the state's status: human and out-of-hours messages enter the history, the others only
            // the transcript
            status = "handoff".equals(held) ? "human" : held;
        } else if (voice && e.voiceSeconds() > voiceMaxSeconds) {
            tooLong = p.texts().voiceTooLong().replace("{seconds}", Integer.toString(voiceMaxSeconds));
            status = tooLong.isEmpty() ? "ignored" : "noticed";
            reason = tooLong.isEmpty() ? VOICE_TOO_LONG : null;
        } else if (voice) {
            // the turn waits for the transcript (V14): the note keeps its place among the texts around it
            kind = "voice";
            status = "transcribing";
        } else if (e.isMediaWithoutText()) {
            mediaNotice = mediaText(e.instance());
            status = mediaNotice.isEmpty() ? "ignored" : "noticed";
            reason = mediaNotice.isEmpty() ? MEDIA_NOT_ANSWERED : null;
        } else {
            status = "waiting";
        }
        Long messageId = insertInbound(c, instanceId, conversationId, e, kind, status, reason);
        if (messageId == null) {
            return new IngestOutcome(e, Status.DUPLICATE, null, null, List.of());
        }

        List<OutboundMessage> notices = new ArrayList<>();
        switch (act) {
            case OPT_IN -> {
                ConversationControl.optIn(c, conversationId, s.now(), messageId);
                changes.add(new IngestOutcome.Change(IngestOutcome.Change.Kind.OPT_IN, "keyword"));
                queue(c, notices, instanceId, conversationId, e.instance(), contact, Notices.OPT_IN_CONFIRM,
                        p.texts().optInConfirm(), messageId);
            }
            case STOP -> {
                ConversationControl.optOut(c, conversationId, s.now(), messageId);
                changes.add(new IngestOutcome.Change(IngestOutcome.Change.Kind.OPT_OUT, "keyword"));
                queue(c, notices, instanceId, conversationId, e.instance(), contact, Notices.OPT_OUT_CONFIRM,
                        p.texts().optOutConfirm(), messageId);
            }
            case HANDOFF -> {
                ConversationControl.human(c, conversationId, ConversationControl.Reason.CUSTOMER, s.now(),
                        s.now().plus(p.handoff().pause()), messageId);
                changes.add(new IngestOutcome.Change(IngestOutcome.Change.Kind.HANDOFF, "customer"));
                queue(c, notices, instanceId, conversationId, e.instance(), contact, Notices.HANDOFF,
                        p.texts().handoff(), messageId);
                if (p.handoff().notifyJid() != null && !p.notifyText().isEmpty()) {
                    String alertTo = p.handoff().notifyJid();
                    long alertConversation = upsertConversation(c, instanceId, alertTo, null);
                    queue(c, notices, instanceId, alertConversation, e.instance(), alertTo, Notices.HANDOFF_ALERT,
                            p.notifyText().replace("{contact}", readable(contact))
                                    .replace("{name}", e.pushName() == null ? "?" : e.pushName()), null);
                }
            }
            case NONE -> {
            }
        }
        if (outOfHoursNotice) {
            Sql.update(c, "update conversations set out_of_hours_period = ? where id = ?", s.closedSince(),
                    conversationId);
            queue(c, notices, instanceId, conversationId, e.instance(), contact, Notices.OUT_OF_HOURS,
                    p.texts().outOfHours(), messageId);
        }
        if (held != null) {
            Sql.update(c, "update conversations set last_inbound_at = now() where id = ?", conversationId);
            return new IngestOutcome(e, Status.HELD, held, messageId, notices, changes);
        }
        if ("waiting".equals(status) || "transcribing".equals(status)) {
            Sql.update(c, """
                    update conversations
                       set waiting_since = coalesce(waiting_since, clock_timestamp()), last_inbound_at = now()
                     where id = ?""", conversationId);
            OutboundMessage busyNotice = busyNoticeIfDue(c, conversationId, contact, e.instance(), messageId);
            if (busyNotice != null) {
                notices.add(busyNotice);
            }
            return new IngestOutcome(e, Status.ACCEPTED, null, messageId, notices, changes);
        }
        if (!mediaNotice.isEmpty()) {
            notices.add(Notices.queue(c, instanceId, conversationId, e.instance(), contact, mediaNotice, messageId));
            return new IngestOutcome(e, Status.NOTICED, null, messageId, notices, changes);
        }
        if (!tooLong.isEmpty()) {
            notices.add(Notices.queue(c, instanceId, conversationId, e.instance(), contact, VOICE_TOO_LONG, tooLong,
                    messageId));
            return new IngestOutcome(e, Status.NOTICED, VOICE_TOO_LONG, messageId, notices, changes);
        }
        return new IngestOutcome(e, Status.IGNORED, reason, messageId, notices, changes);
    }

    /** Queues a text of the number's, unless the number switched it off (empty). */
    private static void queue(Connection c, List<OutboundMessage> into, long instanceId, long conversationId,
                              String instance, String contact, String kind, String text, Long answersUpTo)
            throws SQLException {
        if (text != null && !text.isBlank()) {
            into.add(Notices.queue(c, instanceId, conversationId, instance, contact, kind, text, answersUpTo));
        }
    }

    /** The customer as the owner reads them in a handoff alert: the number, without the JID's server. */
    private static String readable(String jid) {
        return Jids.isPhone(jid) ? "+" + Jids.user(jid) : Jids.user(jid);
    }

    private static Long insertInbound(Connection c, long instanceId, Long conversationId, InboundEvent e, String kind,
                                      String status, String reason) throws SQLException {
        return Sql.oneLong(c, """
                insert into messages (instance_id, conversation_id, direction, wa_message_id, remote_jid, kind,
                                      message_type, text, status, ignore_reason, wa_timestamp, media_seconds)
                values (?, ?, 'in', ?, ?, ?, ?, ?, ?, ?, ?, ?)
                on conflict (instance_id, wa_message_id) where direction = 'in' do nothing
                returning id""",
                instanceId, conversationId, e.waMessageId(), e.chatJid(), kind, e.messageType(), e.text(), status,
                reason, e.sentAt(), e.voiceSeconds());
    }

    /**
     * The common case: a customer's text, with no LID-to-phone alias to learn. Everything is done by the
     * {@code atende_ingest_text} function (V7) in one round trip; the busy notice, once per wait, adds two.
     */
    static boolean isPlainText(InboundEvent e) {
        return e.waMessageId() != null && !e.isIgnored() && !e.isMediaWithoutText()
                && !(e.phoneJid() != null && e.lidJid() != null);
    }

    private List<IngestOutcome> persistTexts(Connection c, List<InboundEvent> events, List<Situation> situations,
                                             Instant now) throws SQLException {
        double meanSeconds = busy.meanSeconds().getAsDouble();
        int slots = Math.max(1, busy.slots().getAsInt());
        // One limit for the batch (the function takes one): counted when any of its numbers has a busy notice.
        boolean anyBusyText = events.stream().anyMatch(e -> !busyText(e.instance()).isEmpty());
        int busyLimit = anyBusyText ? busyCountLimit(busy.thresholdSeconds(), slots, meanSeconds) : 0;
        if (busyLimit > 1 && events.size() > 1 && !anyCanBeDue(c, events.size(), busyLimit, meanSeconds, slots)) {
            busyLimit = 0; // the whole batch is under the bound: no per-message count of the backlog
        }
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
                instance, phone, lid, other, push, waId, remote, type, text, sentAt, busyLimit, now);
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
            if (!"waiting".equals(r.status())) {
                // a human has the conversation, or the contact opted out: stored, no LLM turn, no notice
                out.add(new IngestOutcome(e, Status.HELD, r.status(), r.messageId(), List.of()));
                continue;
            }
            Situation s = situations.get(i);
            List<IngestOutcome.Change> changes = s.closedSince() == null ? List.of()
                    : List.of(new IngestOutcome.Change(IngestOutcome.Change.Kind.OUT_OF_HOURS,
                    s.profile().hours().policy().code()));
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
                    notice == null ? List.of() : List.of(notice), changes));
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

    /**
     * Whether any text of a batch of {@code n} can be due a busy notice: with every ready conversation (counted up to
     * the limit) and the whole batch ahead, is the estimated wait over the bound? Counting the backlog once for the
     * batch instead of once per text: with a fast LLM the limit is tens of thousands, and each count reads the backlog.
     */
    private boolean anyCanBeDue(Connection c, int n, int limit, double meanSeconds, int slots) throws SQLException {
        record Queue(long ready, long inFlight) {
        }
        Queue q = Sql.one(c, """
                select (select count(*) from (select 1 from conversations o
                                               where o.state = 'idle' and o.waiting_since is not null limit ?) r),
                       (select count(*) from conversations a where a.state = 'answering')""",
                rs -> new Queue(rs.getLong(1), rs.getLong(2)), limit);
        return q.ready() >= limit || estimatedWait(q.ready() + n, q.inFlight(), meanSeconds, slots) > busy.thresholdSeconds();
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
        if (phone != null && lid != null && e.fromMe()) {
            // In a LID chat the operator's own message may carry the business's number as the other address
            // (evolution-api #2190): only an alias the customer's own messages taught is trusted.
            String known = Sql.one(c, "select phone_jid from contact_aliases where instance_id = ? and lid_jid = ?",
                    rs -> rs.getString(1), instanceId, lid);
            return known != null ? known : lid;
        }
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
        ConversationControl.merge(c, phoneConversation, lidConversation);
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

    /**
     * A reply of ours whose sendText has not answered yet carries no WhatsApp id: an echo of it (Evolution does not
     * send one through the REST API, but a linked device's sync might) must not look like the operator typing.
     */
    private static boolean isEchoOfOwnSend(Connection c, Long conversationId, String text) throws SQLException {
        return conversationId != null && text != null && Sql.oneLong(c, """
                select id from messages where conversation_id = ? and direction = 'out' and status = 'sending'
                   and text = ? limit 1""", conversationId, text) != null;
    }

    private static boolean isOwnReply(Connection c, long instanceId, String waMessageId) throws SQLException {
        return Sql.oneLong(c, """
                select id from messages where instance_id = ? and direction = 'out' and wa_message_id = ?""",
                instanceId, waMessageId) != null;
    }

}
