package io.atende.store;

import java.sql.SQLException;

/** PostgreSQL could not persist or read state. Callers that acknowledge work must answer "retry later" (HTTP 503). */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(SQLException cause) {
        super("database unavailable: " + cause.getMessage(), cause);
    }
}
