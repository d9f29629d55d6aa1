package io.atende.profile;

import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;

import java.util.Map;

/**
 * A profile document (or the request around it) that cannot be accepted: HTTP 400 naming the field, as a dotted path
 * ({@code texts.welcome}, {@code ignoreJids[2]}, {@code evolution.baseUrl}). The message never carries a secret's
 * value or a customer-facing text, so it may be logged as it is.
 */
public final class ProfileValidationException extends RuntimeException implements HttpFailure {

    private final String field;

    /**
     * @param field  the offending field's path, or null when the document as a whole is wrong (not a JSON object)
     * @param detail what is wrong, for the caller
     */
    public ProfileValidationException(String field, String detail) {
        super(detail, null, false, false);
        this.field = field;
    }

    /** The offending field's dotted path, or null. */
    public String field() {
        return field;
    }

    /** {@code {"status":400,"error":"bad_request","detail":…,"field":…}} */
    @Override
    public HttpProblem problem() {
        return new HttpProblem(400, "bad_request", getMessage(), null, field == null ? Map.of() : Map.of("field", field));
    }
}
