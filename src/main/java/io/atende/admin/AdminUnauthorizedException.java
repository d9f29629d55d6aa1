package io.atende.admin;

/** No valid admin token: HTTP 401. The message is generic on purpose, and there is no stack trace to fill. */
public final class AdminUnauthorizedException extends RuntimeException {

    public AdminUnauthorizedException() {
        super("missing or invalid admin token", null, false, false);
    }
}
