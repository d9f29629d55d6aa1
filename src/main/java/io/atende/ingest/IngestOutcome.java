package io.atende.ingest;

import io.atende.reply.OutboundMessage;

import java.util.List;
import java.util.Locale;

/**
 * What the webhook did with one event, all of it already committed to PostgreSQL.
 *
 * @param event     the event as the webhook normalised it
 * @param status    accepted (queued for the LLM), noticed (media without text, notice queued), ignored, duplicate
 * @param reason    why it was ignored, else null
 * @param messageId the stored message, when one was stored
 * @param notices   replies to send at once without the LLM (media-without-text notice, busy notice)
 */
public record IngestOutcome(InboundEvent event, Status status, String reason, Long messageId,
                            List<OutboundMessage> notices) {

    public enum Status {
        ACCEPTED, NOTICED, IGNORED, DUPLICATE;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public IngestOutcome {
        notices = notices == null ? List.of() : List.copyOf(notices);
    }

    public String instance() {
        return event.instance();
    }

    /** True when a conversation now has customer text waiting for the LLM. */
    public boolean queuedForAnswer() {
        return status == Status.ACCEPTED;
    }

    /** True when the customer is owed a notice now (media without text, or a long wait). */
    public boolean noticeOwed() {
        return !notices.isEmpty();
    }
}
