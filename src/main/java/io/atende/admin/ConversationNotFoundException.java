package io.atende.admin;

import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;

/** The instance has no conversation with that contact: HTTP 404. */
public final class ConversationNotFoundException extends RuntimeException implements HttpFailure {

    public ConversationNotFoundException() {
        super("no such conversation", null, false, false);
    }

    @Override
    public HttpProblem problem() {
        return HttpProblem.of(404, "not_found", null);
    }
}
