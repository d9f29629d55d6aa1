package io.atende.store;

import io.atende.support.HttpFailure;
import io.atende.support.HttpProblem;

import java.sql.SQLException;

/** PostgreSQL could not persist or read state. Callers that acknowledge work must answer "retry later" (HTTP 503). */
public final class StoreUnavailableException extends RuntimeException implements HttpFailure {

    public StoreUnavailableException(SQLException cause) {
        super("database unavailable: " + cause.getMessage(), cause);
    }

    @Override
    public HttpProblem problem() {
        return HttpProblem.unavailable("storage");
    }
}
