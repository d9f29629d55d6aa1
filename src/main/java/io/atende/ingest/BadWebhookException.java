package io.atende.ingest;

import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;

/**
 * The webhook body cannot be understood; answer HTTP 400.
 *
 * <p>Evolution does not retry 400, which is what we want for payloads that will never parse. The message
 * is written to be returned to the caller as is: it never echoes the payload, and the exception carries
 * neither a cause (parser messages quote the input) nor a stack trace (cheap under a flood of junk).
 */
public final class BadWebhookException extends RuntimeException implements HttpFailure {

    public BadWebhookException(String message) {
        super(message, null, false, false);
    }

    @Override
    public HttpProblem problem() {
        return HttpProblem.of(400, "bad_request", getMessage());
    }
}
