package io.atende.ingest;

import io.atende.reply.OutboundMessage;

import java.util.List;

/**
 * What the webhook did with one event, all of it already committed to PostgreSQL.
 *
 * @param status        accepted (queued for the LLM), noticed (media without text, notice queued), ignored, duplicate
 * @param reason        why it was ignored, else null
 * @param notices       replies to send at once without the LLM (media-without-text notice)
 */
public record IngestOutcome(Status status, String reason, String instance, Long messageId, List<OutboundMessage> notices) {

    public enum Status {
        ACCEPTED, NOTICED, IGNORED, DUPLICATE;

        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** True when a conversation now has customer text waiting for the LLM. */
    public boolean queuedForAnswer() {
        return status == Status.ACCEPTED;
    }

    public boolean hasNotices() {
        return notices != null && !notices.isEmpty();
    }
}
