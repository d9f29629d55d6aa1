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

    /** Counts the event and returns the answer's body: {@code {"status":"accepted"}}, with the reason when ignored. */
    public String respond(IngestOutcome outcome) {
        counted(outcome);
        ObjectNode body = JSON.createObjectNode();
        body.put("status", outcome.status().code());
        if (outcome.reason() != null) {
            body.put("reason", outcome.reason());
        }
        return body.toString();
    }

    /** atende_messages_total{instance,outcome}, and one DEBUG line (never the text, never the full number). */
    public IngestOutcome counted(IngestOutcome outcome) {
        metrics.message(outcome.instance(), outcome.status().code());
        for (IngestOutcome.Change change : outcome.changes()) {
            switch (change.kind()) {
                case HANDOFF -> metrics.handoff(outcome.instance(), change.detail());
                case OPT_OUT -> metrics.optOut(outcome.instance());
                case OUT_OF_HOURS -> metrics.outOfHours(outcome.instance(), change.detail());
                case RESUMED, OPT_IN -> {
                    // in the conversation's events; no counter asked for
                }
            }
        }
        if (LOG.isDebugEnabled()) {
            InboundEvent event = outcome.event();
            if (event.waMessageId() != null) {
                LOG.debug("Webhook {} on {}: {} message {} from {}{}", event.event(), event.instance(),
                        outcome.status().code(), outcome.messageId() == null ? "-" : outcome.messageId(),
                        LogMask.jid(event.contactJid()), outcome.reason() == null ? "" : " (" + outcome.reason() + ")");
            } else {
                LOG.debug("Webhook {} on {}: ignored ({})", event.event(), event.instance(), outcome.reason());
            }
        }
        return outcome;
    }
}
