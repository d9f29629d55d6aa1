package io.atende.support;

import io.atende.store.Database;
import io.atende.store.Transactions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh database with Atende's schema for each test ({@link TestPostgres#openMigrated}), stopped after the test's
 * own {@code @AfterEach} methods have run. Use as {@code @RegisterExtension final MigratedDatabase db = ...}.
 */
public final class MigratedDatabase implements BeforeEachCallback, AfterEachCallback {

    private Path dataDir;
    private Database database;
    private Transactions tx;

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dataDir = Files.createTempDirectory("atende-test-db");
        database = TestPostgres.openMigrated(dataDir, Duration.ofSeconds(10));
        tx = new Transactions(database.dataSource());
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            database.stop();
        } finally {
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    public Transactions tx() {
        return tx;
    }

    public Database database() {
        return database;
    }
}
