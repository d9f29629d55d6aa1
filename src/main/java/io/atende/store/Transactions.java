package io.atende.store;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/** Runs a unit of work in one PostgreSQL transaction: committed as a whole, or rolled back as a whole. */
public final class Transactions {

    @FunctionalInterface
    public interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private final DataSource dataSource;

    public Transactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /**
     * @throws StoreUnavailableException when PostgreSQL cannot be reached or the transaction fails;
     *         the webhook maps it to 503 so that the sender retries.
     */
    public <T> T inTransaction(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }

    /**
     * Runs one statement (a query, a single update, or a call of one of the V7-V9 functions) in autocommit mode: it is
     * its own transaction, committed by PostgreSQL when it ends. One round trip, where {@link #inTransaction} adds a
     * second for the COMMIT: on the per-turn path every round trip is a wait for two processes to be scheduled.
     *
     * @throws StoreUnavailableException as {@link #inTransaction}
     */
    public <T> T inOneStatement(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreUnavailableException(e);
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken anyway; the pool discards it
        }
    }
}
