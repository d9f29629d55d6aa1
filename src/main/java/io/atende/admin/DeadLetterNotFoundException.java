package io.atende.admin;

import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;

/** No dead letter has this id: HTTP 404. */
public final class DeadLetterNotFoundException extends RuntimeException implements HttpFailure {

    public DeadLetterNotFoundException(String id) {
        super("no dead letter " + id, null, false, false);
    }

    @Override
    public HttpProblem problem() {
        return HttpProblem.of(404, "not_found", null);
    }
}
