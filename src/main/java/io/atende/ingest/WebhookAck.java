package io.atende.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.atende.support.AtendeMetrics;
import io.atende.support.LogMask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The webhook's 200 answer, sent only once the event is committed; also where each ingest is counted and logged. */
public final class WebhookAck {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookAck.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtendeMetrics metrics;

    public WebhookAck(AtendeMetrics metrics) {
        this.metrics = metrics;
    }

    public String respond(InboundEvent event, IngestOutcome outcome) {
        String metricOutcome = outcome.status() == IngestOutcome.Status.IGNORED ? "ignored" : outcome.status().code();
        metrics.message(outcome.instance(), metricOutcome);
        if (event.waMessageId() != null && LOG.isDebugEnabled()) {
            // One line per webhook is DEBUG (its cost counts at thousands of webhooks a second; the counts are in
            // atende_messages_total). Never the text, never the full number.
            LOG.debug("Webhook {} on {}: {} message {} from {}{}", event.event(), event.instance(), outcome.status().code(),
                    outcome.messageId() == null ? "-" : outcome.messageId(), LogMask.jid(event.contactJid()),
                    outcome.reason() == null ? "" : " (" + outcome.reason() + ")");
        } else if (event.waMessageId() == null && LOG.isDebugEnabled()) {
            LOG.debug("Webhook {} on {}: ignored ({})", event.event(), event.instance(), outcome.reason());
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("status", outcome.status().code());
        if (outcome.reason() != null) {
            body.put("reason", outcome.reason());
        }
        return body.toString();
    }

    /** Error bodies: short, stable, never a stack trace. */
    public static String error(String code, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("error", code);
        if (message != null) {
            body.put("message", message);
        }
        return body.toString();
    }
}
