package io.atende.reply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.support.LogMask;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Never a second sendText for a part Evolution already accepted. When an earlier attempt of a part never got its
 * answer (the gateway was killed after Evolution accepted the message but before {@code sent} was committed, or the
 * response was lost), the part is not resent blindly: Evolution is asked first, with
 * {@code POST /chat/findMessages/{instance}}, for our own messages ({@code fromMe}) to that contact since the first
 * unconfirmed attempt (minus a clock slack). A message with the same text whose WhatsApp id is not already one of
 * ours means the part was sent: it is marked {@code sent} with that id. An answer without one means it was not: it
 * is sent again. When Evolution cannot answer, the part is held and asked about again with the send backoff
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

    static final String UNCONFIRMED = "atendeUnconfirmed";
    /** The delivery start read by {@link #stillToSend}, used once by the {@link #inspect} that follows it. */
    static final String KNOWN_STATE = "atendeSendStart";
    /** Set to true when Evolution had already sent the part: the delivery route then skips the sendText. */
    public static final String ALREADY_SENT = "atendeAlreadySent";

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
    private final EvolutionSendText contract;
    private final String apiKey;
    private final Settings settings;
    private final Clock clock;

    public SendReconciler(DeliveryStore store, EvolutionSendText contract, String apiKey, Settings settings, Clock clock) {
        this.store = store;
        this.contract = contract;
        this.apiKey = apiKey;
        this.settings = settings;
        this.clock = clock;
    }

    /** The open question about one part: its unconfirmed attempts and the time window to search. */
    record Question(OutboundMessage part, DeliveryStore.Unconfirmed attempts, Instant from, Instant to) {
    }

    /**
     * Body in: the {@link OutboundMessage}. True when the part still has to be sent (a recovered or replayed part may
     * already be final). The same statement ({@link DeliveryStore#beginSend}) reads its unconfirmed attempts, which
     * the first {@link #inspect} then uses instead of asking PostgreSQL again (a retry asks again), and, when there
     * is none, opens the part's attempt, which the first {@link EvolutionDelivery#prepareAttempt} then uses.
     */
    public boolean stillToSend(Exchange exchange) {
        OutboundMessage m = exchange.getMessage().getBody(OutboundMessage.class);
        DeliveryStore.SendStart start = store.beginSend(m);
        if (start.pending()) {
            exchange.setProperty(KNOWN_STATE, start);
            if (start.attemptId() != null) {
                exchange.setProperty(EvolutionDelivery.OPENED_ATTEMPT, start.attemptId());
            }
        }
        return start.pending();
    }

    /**
     * Body in: the {@link OutboundMessage} about to be sent. Leaves the question in a property when an earlier
     * attempt is unconfirmed, nothing otherwise.
     *
     * @throws SendFailedException when the last unconfirmed attempt is too recent to judge (retried with backoff)
     */
    public void inspect(Exchange exchange) {
        exchange.removeProperty(UNCONFIRMED);
        exchange.removeProperty(ALREADY_SENT);
        OutboundMessage m = exchange.getMessage().getBody(OutboundMessage.class);
        DeliveryStore.SendStart known = exchange.getProperty(KNOWN_STATE, DeliveryStore.SendStart.class);
        exchange.removeProperty(KNOWN_STATE);
        DeliveryStore.Unconfirmed open = known != null ? known.unconfirmed() : store.unconfirmed(m);
        if (open == null) {
            return;
        }
        Instant now = clock.instant();
        Instant settled = open.lastStarted().plus(settings.settleAfter());
        if (now.isBefore(settled)) {
            throw new SendFailedException("an earlier attempt of reply " + m.id() + " may still be in progress at"
                    + " Evolution; asking Evolution about it after " + settled.truncatedTo(ChronoUnit.SECONDS));
        }
        exchange.setProperty(UNCONFIRMED, new Question(m, open,
                open.firstStarted().minus(settings.clockSlack()), now.plus(settings.clockSlack())));
    }

    /** Body out: the findMessages request, with only the headers Evolution needs. */
    public void prepareQuery(Exchange exchange) {
        Question q = exchange.getProperty(UNCONFIRMED, Question.class);
        var msg = exchange.getMessage();
        msg.removeHeaders("*", "CamelRedelivery*");
        msg.setHeader("apikey", apiKey);
        msg.setHeader(Exchange.CONTENT_TYPE, "application/json; charset=utf-8");
        msg.setHeader(Exchange.HTTP_METHOD, "POST");
        exchange.setProperty(EvolutionDelivery.INSTANCE_PATH, contract.instancePath(q.part()));
        msg.setBody(queryBody(q));
    }

    /** {"where":{"key":{"remoteJid":…,"fromMe":true},"messageTimestamp":{"gte":…,"lte":…}},"offset":…,"page":1} */
    static String queryBody(Question q) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode where = root.putObject("where");
        where.putObject("key").put("remoteJid", remoteJid(q.part().contactJid())).put("fromMe", true);
        // Evolution applies the window only with both bounds; it parses them with new Date(...) and compares seconds.
        where.putObject("messageTimestamp")
                .put("gte", q.from().truncatedTo(ChronoUnit.SECONDS).toString())
                .put("lte", q.to().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1).toString());
        root.put("offset", PAGE_SIZE);
        root.put("page", 1);
        return root.toString();
    }

    /** Evolution stores the key with the full JID; a bare number is a phone. */
    static String remoteJid(String contactJid) {
        return contactJid.contains("@") ? contactJid : contactJid + "@s.whatsapp.net";
    }

    /** The findMessages call failed in transport (refused, reset, timeout). */
    public void unreachable(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        unavailable(exchange, "Evolution API unreachable for findMessages: "
                + (cause == null ? "transport error" : cause.getClass().getSimpleName() + ": " + cause.getMessage()));
    }

    /**
     * Judges Evolution's answer: sent (mark it, skip the sendText), not sent (go on and send), or unknown
     * (hold or resend, per {@link Mode}). Body out: the {@link OutboundMessage} again.
     */
    public void judge(Exchange exchange) {
        Question q = exchange.getProperty(UNCONFIRMED, Question.class);
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        String body = exchange.getMessage().getBody(String.class);
        exchange.getMessage().setBody(q.part());
        if (status == null || status != 200) {
            unavailable(exchange, "Evolution API answered findMessages with HTTP " + status + ": "
                    + EvolutionSendText.summary(body));
            return;
        }
        Verdict verdict;
        try {
            verdict = verdict(q, JSON.readTree(body));
        } catch (Exception e) {
            unavailable(exchange, "unreadable findMessages answer: " + e.getMessage());
            return;
        }
        if (verdict.sentAs() != null) {
            store.reconciled(q.part(), verdict.sentAs());
            exchange.setProperty(ALREADY_SENT, true);
        } else if (verdict.complete()) {
            store.notSentByEvolution(q.part());
            exchange.setProperty(ALREADY_SENT, false);
        } else {
            unavailable(exchange, "findMessages returned more of our messages to this contact than one page ("
                    + PAGE_SIZE + ") without this one");
        }
    }

    /** @param sentAs Evolution's key.id of the part, or null; complete: every matching row was seen */
    record Verdict(String sentAs, boolean complete) {
    }

    Verdict verdict(Question q, JsonNode answer) {
        return verdict(q, answer, ids -> store.alreadyClaimed(q.part(), ids));
    }

    /** @param alreadyClaimed of the given WhatsApp ids, those already recorded for another of our messages */
    static Verdict verdict(Question q, JsonNode answer,
                           java.util.function.Function<List<String>, List<String>> alreadyClaimed) {
        JsonNode page = answer.path("messages");
        JsonNode records = page.path("records");
        if (!records.isArray()) {
            throw new IllegalArgumentException("no messages.records array");
        }
        String wanted = q.part().text().strip();
        String jid = remoteJid(q.part().contactJid());
        long fromSecond = q.from().getEpochSecond();
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

    private void unavailable(Exchange exchange, String reason) {
        Question q = exchange.getProperty(UNCONFIRMED, Question.class);
        OutboundMessage m = q.part();
        exchange.getMessage().setBody(m);
        if (settings.mode() == Mode.RESEND) {
            LOG.warn("Reply {} to {} on {}: cannot tell whether Evolution already sent it ({}); sending it again"
                    + " (ATENDE_SEND_RECONCILE=resend)", m.id(), LogMask.jid(m.contactJid()), m.instance(), reason);
            exchange.setProperty(ALREADY_SENT, false);
            return;
        }
        throw new SendFailedException("unconfirmed earlier attempt, held until Evolution can tell whether it sent it ("
                + reason + ")");
    }
}
