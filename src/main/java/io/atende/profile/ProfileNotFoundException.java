package io.atende.profile;

import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;

/** No such instance (neither a known number nor a stored profile), or no profile to delete: HTTP 404. */
public final class ProfileNotFoundException extends RuntimeException implements HttpFailure {

    public ProfileNotFoundException(String instance) {
        super("no profile for instance " + instance, null, false, false);
    }

    @Override
    public HttpProblem problem() {
        return HttpProblem.of(404, "not_found", null);
    }
}
