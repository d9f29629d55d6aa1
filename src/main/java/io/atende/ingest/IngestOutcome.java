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
 * @param notices   replies to send at once without the LLM (media-without-text notice, busy notice, the quiet
 *                  states' texts)
 * @param changes   what the message changed in its conversation's quiet state (counted once committed)
 */
public record IngestOutcome(InboundEvent event, Status status, String reason, Long messageId,
                            List<OutboundMessage> notices, List<Change> changes) {

    /**
     * ACCEPTED: waits for the LLM; NOTICED: media without text, notice queued; HELD: stored (transcript, history)
     * but not answered, because the conversation is quiet - reason human, opted_out, out_of_hours, or the message
     * changed that (handoff, opt_out, opt_in); IGNORED; DUPLICATE.
     */
    public enum Status {
        ACCEPTED, NOTICED, HELD, IGNORED, DUPLICATE;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A change of the conversation's quiet state, or an out-of-hours message ({@code detail}: reason or policy). */
    public record Change(Kind kind, String detail) {
        public enum Kind { HANDOFF, RESUMED, OPT_OUT, OPT_IN, OUT_OF_HOURS }
    }

    public IngestOutcome {
        notices = notices == null ? List.of() : List.copyOf(notices);
        changes = changes == null ? List.of() : List.copyOf(changes);
    }

    public IngestOutcome(InboundEvent event, Status status, String reason, Long messageId,
                         List<OutboundMessage> notices) {
        this(event, status, reason, messageId, notices, List.of());
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
