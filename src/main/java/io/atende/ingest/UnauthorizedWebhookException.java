package io.atende.ingest;

/**
 * The webhook request carries no valid credential; answer HTTP 401.
 *
 * <p>Evolution does not retry 401. The message is generic on purpose so that a caller cannot tell a wrong
 * secret from an expired or malformed token. No cause and no stack trace, as for {@link BadWebhookException}.
 */
public final class UnauthorizedWebhookException extends RuntimeException {

    public static final int HTTP_STATUS = 401;

    public UnauthorizedWebhookException(String message) {
        super(message, null, false, false);
    }
}
