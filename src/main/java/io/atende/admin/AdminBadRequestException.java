package io.atende.admin;

/** A malformed admin request (e.g. {@code ?limit=abc}): HTTP 400. The message names the parameter only. */
public final class AdminBadRequestException extends RuntimeException {

    public AdminBadRequestException(String message) {
        super(message, null, false, false);
    }
}
