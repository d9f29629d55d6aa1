package io.atende.reply;

/** Evolution API refused the message for good (400/401/403/404/422: number not on WhatsApp, unknown instance, bad key). Not retried. */
public final class SendRejectedException extends RuntimeException {
    private final int status;

    public SendRejectedException(int status, String detail) {
        super("Evolution API rejected the message with HTTP " + status + ": " + detail);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
