package io.atende.support;

import io.atende.store.Database;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL server for the whole test JVM (embedded binaries), with a fresh database per test,
 * so tests never see each other's rows and never depend on their order.
 */
public final class TestPostgres {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestPostgres() {
    }

    private static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            EmbeddedPostgres s = server;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // JVM is exiting
                }
            }));
        }
        return server;
    }

    /** Creates an empty database and returns its JDBC URL (user postgres, no password). */
    public static String newDatabase() {
        String name = "atende_test_" + COUNTER.incrementAndGet() + "_" + ProcessHandle.current().pid();
        EmbeddedPostgres s = server();
        try (Connection c = s.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return s.getJdbcUrl("postgres", name);
    }

    /** The first column of the first row of a query, or null: what end-to-end tests read back from the database. */
    public static String queryOne(String jdbcUrl, String sql) {
        try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl, "postgres", "");
             java.sql.ResultSet rs = c.createStatement().executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A fresh database with Atende's schema (Flyway), behind a pool of 4: what tests of the store and the queue
     * run against. The caller stops it.
     */
    public static Database openMigrated(Path dataDir, Duration connectTimeout) {
        return Database.open(new Database.Settings(newDatabase(), "postgres", "", dataDir, 4, connectTimeout));
    }
}
