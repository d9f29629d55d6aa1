package io.atende.profile;

import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;

import java.util.Map;

/**
 * {@code If-Match} names a version that is no longer the profile's: HTTP 412. The answer carries the current ETag so
 * the caller can GET, merge and try again.
 */
public final class PreconditionFailedException extends RuntimeException implements HttpFailure {

    private final long currentVersion;

    public PreconditionFailedException(String instance, long currentVersion) {
        super("profile of " + instance + " is at version " + currentVersion, null, false, false);
        this.currentVersion = currentVersion;
    }

    public long currentVersion() {
        return currentVersion;
    }

    @Override
    public HttpProblem problem() {
        return new HttpProblem(412, "precondition_failed",
                "the profile changed since it was read: read it again, then retry with its ETag", null,
                Map.of("currentEtag", ProfileVersion.etag(currentVersion)));
    }
}
