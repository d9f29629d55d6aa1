package io.atende.store;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import javax.sql.DataSource;
import java.sql.Connection;
import java.util.Map;

/** Readiness includes PostgreSQL: without it no webhook can be acknowledged. */
public final class DatabaseHealthCheck extends AbstractHealthCheck {

    private final DataSource dataSource;

    public DatabaseHealthCheck(DataSource dataSource) {
        super("atende", "postgresql");
        this.dataSource = dataSource;
    }

    @Override
    public boolean isLiveness() {
        return false; // a database outage is not a reason to restart the gateway
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try (Connection c = dataSource.getConnection()) {
            if (c.isValid(2)) {
                builder.up();
            } else {
                builder.message("PostgreSQL connection is not valid").down();
            }
        } catch (Exception e) {
            builder.message("PostgreSQL unreachable: " + e.getMessage()).down();
        }
    }
}
