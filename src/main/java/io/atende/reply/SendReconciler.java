package io.atende.reply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.support.LogMask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Never a second sendText for a part Evolution already accepted. When an earlier attempt of a part never got its
 * answer (the gateway was killed after Evolution accepted the message but before {@code sent} was committed, or the
 * response was lost), the part is not resent blindly: Evolution is asked first, with
 * {@code POST /chat/findMessages/{instance}}, for our own messages ({@code fromMe}) to that contact since the first
 * unconfirmed attempt (minus a clock slack). A message with the same text whose WhatsApp id is not already one of
 * ours means the part was sent: {@code SENT}, recorded with that id. An answer without one means it was not:
 * {@code RESEND}. When Evolution cannot answer, the part is held and asked about again with the send backoff
 * ({@link Mode#HOLD}), or resent anyway ({@link Mode#RESEND}).
 * <p>
 * This relies on Evolution storing the messages it sends ({@code DATABASE_SAVE_DATA_NEW_MESSAGE=true}), which it
 * does before answering 201.
 */
public final class SendReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(SendReconciler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Rows asked for in one findMessages page; a contact never gets that many of our messages in the window. */
    static final int PAGE_SIZE = 200;

    /** What to do when Evolution cannot say whether it sent an unconfirmed part. */
    public enum Mode {
        /** Keep the part, ask again after the send backoff (it is given up after the send attempts, never resent blindly). */
        HOLD,
        /** Send it again: a duplicate is possible, a loss is not. */
        RESEND;

        public static Mode parse(String value) {
            try {
                return Mode.valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("ATENDE_SEND_RECONCILE must be 'hold' or 'resend', got '" + value + "'");
            }
        }
    }

    /**
     * @param settleAfter an unconfirmed attempt is checked only this long after it started: until then Evolution may
     *                    still be carrying it out (Node finishes a request whose client is gone)
     * @param clockSlack  the window starts this long before the first unconfirmed attempt (clock skew between hosts)
     */
    public record Settings(Mode mode, Duration settleAfter, Duration clockSlack) {
    }

    private final DeliveryStore store;
    private final Settings settings;
    private final Clock clock;

    public SendReconciler(DeliveryStore store, Settings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * A part whose last unconfirmed attempt is too recent to judge is held (asked about after the send backoff);
     * otherwise it stays {@code ASK}.
     */
    public Delivery due(Delivery d) {
        Instant settled = d.unconfirmed().lastStarted().plus(settings.settleAfter());
        if (clock.instant().isBefore(settled)) {
            return d.with(Delivery.Verdict.HOLD, "an earlier attempt of reply " + d.part().id()
                    + " may still be in progress at Evolution; asking Evolution about it after "
                    + settled.truncatedTo(ChronoUnit.SECONDS));
        }
        return d;
    }

    /** {"where":{"key":{"remoteJid":…,"fromMe":true},"messageTimestamp":{"gte":…,"lte":…}},"offset":…,"page":1} */
    public String findMessagesRequest(Delivery d) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode where = root.putObject("where");
        where.putObject("key").put("remoteJid", remoteJid(d.part().contactJid())).put("fromMe", true);
        // Evolution applies the window only with both bounds; it parses them with new Date(...) and compares seconds.
        where.putObject("messageTimestamp")
                .put("gte", windowStart(d).truncatedTo(ChronoUnit.SECONDS).toString())
                .put("lte", clock.instant().plus(settings.clockSlack()).truncatedTo(ChronoUnit.SECONDS).plusSeconds(1)
                        .toString());
        root.put("offset", PAGE_SIZE);
        root.put("page", 1);
        return root.toString();
    }

    private Instant windowStart(Delivery d) {
        return d.unconfirmed().firstStarted().minus(settings.clockSlack());
    }

    /** Evolution stores the key with the full JID; a bare number is a phone. */
    static String remoteJid(String contactJid) {
        return contactJid.contains("@") ? contactJid : contactJid + "@s.whatsapp.net";
    }

    /** The findMessages call failed in transport (refused, reset, timeout). */
    public Delivery unreachable(Delivery d, Exception cause) {
        return cannotTell(d, "Evolution API unreachable for findMessages: "
                + (cause == null ? "transport error" : cause.getClass().getSimpleName() + ": " + cause.getMessage()));
    }

    /**
     * Judges Evolution's answer: {@code SENT} (recorded, no sendText), {@code RESEND} (no trace: send it), or, when
     * the answer says nothing, {@code HOLD} or {@code RESEND} per {@link Mode}.
     */
    public Delivery judge(Delivery d, Integer status, String body) {
        if (status == null || status != 200) {
            return cannotTell(d, "Evolution API answered findMessages with HTTP " + status + ": "
                    + EvolutionSendText.summary(body));
        }
        Verdict verdict;
        try {
            verdict = verdict(d.part(), windowStart(d), JSON.readTree(body), ids -> store.alreadyClaimed(d.part(), ids));
        } catch (Exception e) {
            return cannotTell(d, "unreadable findMessages answer: " + e.getMessage());
        }
        if (verdict.sentAs() != null) {
            store.reconciled(d.part(), verdict.sentAs());
            return d.with(Delivery.Verdict.SENT);
        }
        if (verdict.complete()) {
            store.notSentByEvolution(d.part());
            return d.with(Delivery.Verdict.RESEND);
        }
        return cannotTell(d, "findMessages returned more of our messages to this contact than one page ("
                + PAGE_SIZE + ") without this one");
    }

    /** @param sentAs Evolution's key.id of the part, or null; complete: every matching row was seen */
    record Verdict(String sentAs, boolean complete) {
    }

    /** @param alreadyClaimed of the given WhatsApp ids, those already recorded for another of our messages */
    static Verdict verdict(OutboundMessage part, Instant from, JsonNode answer,
                           Function<List<String>, List<String>> alreadyClaimed) {
        JsonNode page = answer.path("messages");
        JsonNode records = page.path("records");
        if (!records.isArray()) {
            throw new IllegalArgumentException("no messages.records array");
        }
        String wanted = part.text().strip();
        String jid = remoteJid(part.contactJid());
        long fromSecond = from.getEpochSecond();
        List<String> candidates = new ArrayList<>();
        for (JsonNode r : records) {
            JsonNode key = r.path("key");
            if (!key.path("fromMe").asBoolean(false)) {
                continue;
            }
            if (!jid.equals(key.path("remoteJid").asText()) && !jid.equals(key.path("remoteJidAlt").asText())) {
                continue;
            }
            if (r.path("messageTimestamp").asLong(Long.MIN_VALUE) < fromSecond) {
                continue;
            }
            JsonNode message = r.path("message");
            String text = message.path("conversation").isTextual() ? message.path("conversation").asText()
                    : message.path("extendedTextMessage").path("text").asText(null);
            if (text == null || !wanted.equals(text.strip()) || !key.path("id").isTextual()) {
                continue;
            }
            candidates.add(key.path("id").asText());
        }
        // The same text may have gone to this contact more than once (e.g. a notice): skip ids we already own.
        List<String> owned = alreadyClaimed.apply(candidates);
        for (String id : candidates) {
            if (!owned.contains(id)) {
                return new Verdict(id, true);
            }
        }
        int total = page.path("total").asInt(records.size());
        return new Verdict(null, total <= records.size());
    }

    private Delivery cannotTell(Delivery d, String reason) {
        OutboundMessage m = d.part();
        if (settings.mode() == Mode.RESEND) {
            LOG.warn("Reply {} to {} on {}: cannot tell whether Evolution already sent it ({}); sending it again"
                    + " (ATENDE_SEND_RECONCILE=resend)", m.id(), LogMask.jid(m.contactJid()), m.instance(), reason);
            return d.with(Delivery.Verdict.RESEND, reason);
        }
        return d.with(Delivery.Verdict.HOLD,
                "unconfirmed earlier attempt, held until Evolution can tell whether it sent it (" + reason + ")");
    }
}
