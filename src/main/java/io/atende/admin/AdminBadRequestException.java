package io.atende.admin;

import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;

/** A malformed admin request (e.g. {@code ?limit=abc}): HTTP 400. The message names the parameter only. */
public final class AdminBadRequestException extends RuntimeException implements HttpFailure {

    public AdminBadRequestException(String message) {
        super(message, null, false, false);
    }

    @Override
    public HttpProblem problem() {
        return HttpProblem.of(400, "bad_request", getMessage());
    }
}
