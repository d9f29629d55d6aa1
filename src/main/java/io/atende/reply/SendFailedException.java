package io.atende.reply;

/** A sendText attempt failed in a way worth retrying (5xx, 429, timeout, connection refused or dropped). */
public final class SendFailedException extends RuntimeException {
    public SendFailedException(String message) {
        super(message);
    }
}
