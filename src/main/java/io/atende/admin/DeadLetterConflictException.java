package io.atende.admin;

import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;

import java.util.Locale;
import java.util.Map;

/** The dead letter cannot be replayed in its current state: HTTP 409 with a fixed reason code. */
public final class DeadLetterConflictException extends RuntimeException implements HttpFailure {

    /** Why the replay was refused; {@link #code()} is what the API answers. */
    public enum Reason {
        /** The letter was replayed already (a new letter opens if the replay dies too). */
        ALREADY_REPLAYED,
        /** The outbound message is no longer dead (e.g. fixed by hand). */
        NOT_DEAD,
        /** The conversation is answering or delivering another reply; try again when it is done. */
        CONVERSATION_BUSY;

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Reason reason;

    public DeadLetterConflictException(long letterId, Reason reason) {
        super("dead letter " + letterId + " cannot be replayed: " + reason.code(), null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** 409 with the reason a client can act on ({@code already_replayed}, {@code not_dead}, {@code conversation_busy}). */
    @Override
    public HttpProblem problem() {
        return new HttpProblem(409, "conflict", null, null, Map.of("reason", reason.code()));
    }
}
