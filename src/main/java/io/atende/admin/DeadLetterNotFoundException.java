package io.atende.admin;

/** No dead letter has this id: HTTP 404. */
public final class DeadLetterNotFoundException extends RuntimeException {

    public DeadLetterNotFoundException(String id) {
        super("no dead letter " + id, null, false, false);
    }
}
