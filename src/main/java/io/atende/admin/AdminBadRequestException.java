package io.atende.admin;

import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;

import java.util.Map;

/**
 * A malformed admin request (e.g. {@code ?limit=abc}, a body field out of range): HTTP 400. The message names the
 * parameter only; a request body's offending field is also given as {@code field}, as the profiles' answers do.
 */
public final class AdminBadRequestException extends RuntimeException implements HttpFailure {

    private final String field;

    public AdminBadRequestException(String message) {
        this(null, message);
    }

    /**
     * @param field the request body's offending field, or null when the body as a whole is wrong
     */
    public AdminBadRequestException(String field, String message) {
        super(message, null, false, false);
        this.field = field;
    }

    /** The request body's offending field, or null. */
    public String field() {
        return field;
    }

    @Override
    public HttpProblem problem() {
        return new HttpProblem(400, "bad_request", getMessage(), null, field == null ? Map.of() : Map.of("field", field));
    }
}
