package io.atende.support;

/**
 * The request carries no valid credential: HTTP 401. The message is the same whatever was wrong, so a caller cannot
 * tell a wrong secret from an expired or malformed token; no cause and no stack trace.
 */
public final class UnauthorizedException extends RuntimeException implements HttpFailure {

    public UnauthorizedException() {
        super("missing or invalid credentials", null, false, false);
    }

    @Override
    public HttpProblem problem() {
        return HttpProblem.of(401, "unauthorized", null);
    }
}
