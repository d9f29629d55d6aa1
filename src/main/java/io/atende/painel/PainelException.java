package io.atende.painel;

import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;

import java.util.Map;

/** A Painel request refused with a 4xx the caller can act on (the one error mapping, http-errors, renders it). */
public final class PainelException extends RuntimeException implements HttpFailure {

    private final transient HttpProblem problem;

    private PainelException(HttpProblem problem) {
        super(problem.error() + (problem.detail() == null ? "" : ": " + problem.detail()), null, false, false);
        this.problem = problem;
    }

    /** The session may not do this (an operator asking for admin work). */
    public static PainelException forbidden(String detail) {
        return new PainelException(HttpProblem.of(403, "forbidden", detail));
    }

    /** A state-changing request without the session's X-CSRF-Token. */
    public static PainelException csrf() {
        return new PainelException(new HttpProblem(403, "forbidden", "missing or wrong X-CSRF-Token", null,
                Map.of("reason", "csrf")));
    }

    public static PainelException tooManyLogins(int retryAfterSeconds) {
        return new PainelException(new HttpProblem(429, "too_many_requests",
                "too many failed sign-ins from this address, retry later", retryAfterSeconds, Map.of()));
    }

    public static PainelException notFound() {
        return new PainelException(HttpProblem.of(404, "not_found", null));
    }

    public static PainelException unsupportedMediaType() {
        return new PainelException(HttpProblem.of(415, "unsupported_media_type", "send the body as application/json"));
    }

    public static PainelException badRequest(String field, String detail) {
        return new PainelException(new HttpProblem(400, "bad_request", detail, null,
                field == null ? Map.of() : Map.of("field", field)));
    }

    /** The LLM did not answer the "testar" box (down, breaker open, timeout): nothing was stored. */
    public static PainelException llmUnavailable() {
        return new PainelException(new HttpProblem(503, "unavailable", "the LLM did not answer, try again later", 30,
                Map.of()));
    }

    @Override
    public HttpProblem problem() {
        return problem;
    }
}
