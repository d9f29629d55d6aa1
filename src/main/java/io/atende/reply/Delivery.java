package io.atende.reply;

import java.time.Instant;
import java.util.Objects;

/**
 * One reply part on its way to Evolution, as the delivery route carries it from step to step: the part, the attempt
 * made for it, and what the route must do next ({@link #verdict()}).
 *
 * @param part         the stored reply part
 * @param verdict      what to do with it now
 * @param unconfirmed  earlier attempts Evolution never answered (then Evolution is asked first), or null
 * @param attemptId    the attempt opened for this send, or null while none is
 * @param startedNanos when that attempt started ({@link System#nanoTime()}), for the send timer and the breaker
 * @param reason       why the part is held or given up, for the log and the dead letter; null otherwise
 */
public record Delivery(OutboundMessage part, Verdict verdict, Unconfirmed unconfirmed, Long attemptId,
                       long startedNanos, String reason) {

    /** What the delivery route does with the part next. */
    public enum Verdict {
        /** Nothing: it was sent or given up already (a recovered or replayed batch may hold such parts). */
        DONE,
        /** Send it: no earlier attempt is unconfirmed. */
        SEND,
        /** An earlier attempt never got Evolution's answer: ask Evolution (findMessages) before sending. */
        ASK,
        /** Evolution already has it: recorded as sent, no sendText. */
        SENT,
        /** Evolution has no trace of it (or cannot tell, with ATENDE_SEND_RECONCILE=resend): send it again. */
        RESEND,
        /** Evolution cannot tell yet: keep the part and ask again after the send backoff. */
        HOLD,
        /** Given up: a dead letter. */
        DEAD
    }

    /** The unconfirmed attempts of one part: when the first and the last started, and how many there are. */
    public record Unconfirmed(Instant firstStarted, Instant lastStarted, int count) {
    }

    public Delivery {
        Objects.requireNonNull(part, "part");
        Objects.requireNonNull(verdict, "verdict");
    }

    public static Delivery of(OutboundMessage part, Verdict verdict) {
        return new Delivery(part, verdict, null, null, 0, null);
    }

    public Delivery with(Verdict next) {
        return new Delivery(part, next, unconfirmed, attemptId, startedNanos, reason);
    }

    public Delivery with(Verdict next, String why) {
        return new Delivery(part, next, unconfirmed, attemptId, startedNanos, why);
    }

    /** The attempt this send goes out as. */
    public Delivery attempt(long id, long started) {
        return new Delivery(part, verdict, unconfirmed, id, started, reason);
    }
}
