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

    /**
     * Creates a database with Atende's schema and no rows, and returns its JDBC URL (user postgres, no password). It is
     * a copy of a template migrated once per JVM: Flyway then finds it up to date, where migrating every test's
     * database took seconds each.
     */
    public static String newDatabase() {
        String name = "atende_test_" + COUNTER.incrementAndGet() + "_" + ProcessHandle.current().pid();
        EmbeddedPostgres s = server();
        String template = migratedTemplate();
        try (Connection c = s.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("create database " + name + " template " + template);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return s.getJdbcUrl("postgres", name);
    }

    private static String template;

    private static synchronized String migratedTemplate() {
        if (template == null) {
            String name = "atende_template_" + ProcessHandle.current().pid();
            EmbeddedPostgres s = server();
            try (Connection c = s.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("create database " + name);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            Path dataDir;
            try {
                dataDir = java.nio.file.Files.createTempDirectory("atende-template");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // Migrated, then closed: a database copied from a template must have no open session.
            Database.open(new Database.Settings(s.getJdbcUrl("postgres", name), "postgres", "", dataDir, 2,
                    Duration.ofSeconds(10))).stop();
            template = name;
        }
        return template;
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
