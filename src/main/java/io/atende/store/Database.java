package io.atende.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.camel.support.service.ServiceSupport;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The PostgreSQL that holds every piece of durable state: an external server when a JDBC URL is configured,
 * otherwise an embedded server (real PostgreSQL binaries) whose data directory survives restarts.
 * The schema is brought up to date by Flyway before anything else touches it.
 * <p>
 * Registered as a Camel service so that, on shutdown, the pool closes before the embedded server stops.
 */
public final class Database extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /** Connection settings; a blank {@code url} selects the embedded server. */
    public record Settings(String url, String user, String password, Path dataDir,
                           int poolSize, Duration connectionTimeout) {
        public boolean embedded() {
            return url == null || url.isBlank();
        }
    }

    private final Settings settings;
    private EmbeddedPostgres embedded;
    private HikariDataSource pool;

    private Database(Settings settings) {
        this.settings = settings;
    }

    /** Starts (or connects to) PostgreSQL and migrates the schema; fails fast when the database cannot be reached at startup. */
    public static Database open(Settings settings) {
        Database db = new Database(settings);
        try {
            db.connect();
            db.migrate();
        } catch (RuntimeException | IOException e) {
            db.release();
            throw new IllegalStateException("PostgreSQL is not usable: " + e.getMessage(), e);
        }
        return db;
    }

    public DataSource dataSource() {
        return pool;
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    private void connect() throws IOException {
        HikariConfig cfg = new HikariConfig();
        if (settings.embedded()) {
            Path dir = settings.dataDir().resolve("postgres").toAbsolutePath();
            Files.createDirectories(dir);
            stopOrphanedServer(dir);
            embedded = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false) // keep conversations across restarts
                    // A 2xx to a webhook promises the message is on disk: undo the embedded defaults that trade
                    // durability for speed (fsync off, asynchronous commit).
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("max_connections", "100")
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            cfg.setJdbcUrl(embedded.getJdbcUrl("postgres", "postgres"));
            cfg.setUsername("postgres");
            LOG.info("Embedded PostgreSQL started on port {} with data in {}", embedded.getPort(), dir);
        } else {
            cfg.setJdbcUrl(settings.url());
            cfg.setUsername(settings.user());
            cfg.setPassword(settings.password());
            LOG.info("Using external PostgreSQL at {}", settings.url().replaceAll("//[^/@]*@", "//***@"));
        }
        cfg.setPoolName("atende-db");
        cfg.setMaximumPoolSize(settings.poolSize());
        // A webhook must learn quickly that the database is down, so that it answers 503 and Evolution retries.
        cfg.setConnectionTimeout(settings.connectionTimeout().toMillis());
        cfg.setValidationTimeout(Math.min(settings.connectionTimeout().toMillis(), 2000));
        cfg.setInitializationFailTimeout(settings.connectionTimeout().toMillis());
        pool = new HikariDataSource(cfg);
    }

    private void migrate() {
        Flyway flyway = Flyway.configure()
                .dataSource(pool)
                .locations("classpath:db/migration")
                .load();
        int applied = flyway.migrate().migrationsExecuted;
        var current = flyway.info().current();
        LOG.info("Database schema at version {} ({} migration(s) applied now)",
                current == null ? "-" : current.getVersion(), applied);
    }

    /**
     * After a kill -9 of the gateway, its embedded PostgreSQL child keeps running and holds the data directory.
     * Its clients are gone with the old JVM, so a fast shutdown loses nothing committed; then this JVM starts its own.
     */
    static void stopOrphanedServer(Path dataDir) throws IOException {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
        } catch (RuntimeException e) {
            return; // unreadable: PostgreSQL itself will judge the stale file
        }
        var process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        if (process.isEmpty()) {
            return;
        }
        LOG.warn("An orphaned embedded PostgreSQL (pid {}) still holds {}: stopping it", pid, dataDir);
        try {
            // SIGINT is PostgreSQL's "fast shutdown"; ProcessHandle only offers SIGTERM/SIGKILL, so use kill(1).
            new ProcessBuilder("kill", "-INT", String.valueOf(pid)).inheritIO().start().waitFor();
            process.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("could not stop the orphaned PostgreSQL pid " + pid + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected void doStop() {
        release();
    }

    private void release() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
        if (embedded != null) {
            try {
                embedded.close();
                LOG.info("Embedded PostgreSQL stopped");
            } catch (IOException e) {
                LOG.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
            }
            embedded = null;
        }
    }
}
