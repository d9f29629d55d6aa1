package io.atende.store;

import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.time.Duration;

/** PostgreSQL: embedded unless ATENDE_DB_URL names one, its schema migrated at startup. */
public class StoreConfiguration implements CamelConfiguration {

    /**
     * Opened while the gateway starts, so a database it cannot open stops the start with a clear error. A service
     * of the context: it stops after the routes, so webhooks in flight still commit.
     */
    @BindToRegistry("database")
    public Database database(CamelContext camel,
                             @PropertyInject(value = "atende.db.url", defaultValue = "") String url,
                             @PropertyInject("atende.db.user") String user,
                             @PropertyInject(value = "atende.db.password", defaultValue = "") String password,
                             @PropertyInject("atende.data-dir") String dataDir,
                             @PropertyInject("atende.db.pool-size") int poolSize,
                             @PropertyInject("atende.db.connect-timeout-ms") int connectTimeoutMs) throws Exception {
        Database database = Database.open(new Database.Settings(url.strip(), user.strip(), password.strip(),
                Path.of(dataDir.strip()), poolSize, Duration.ofMillis(connectTimeoutMs)));
        camel.addService(database, true, true);
        return database;
    }

    /** Also what camel-sql autowires for the routes' {@code sql:} endpoints. */
    @BindToRegistry(value = "dataSource", lazy = true)
    public DataSource dataSource(Database database) {
        return database.dataSource();
    }

    @BindToRegistry(value = "transactions", lazy = true)
    public Transactions transactions(DataSource dataSource) {
        return new Transactions(dataSource);
    }

    /** Readiness includes PostgreSQL. */
    @BindToRegistry(value = "databaseHealthCheck", lazy = true)
    public DatabaseHealthCheck databaseHealthCheck(DataSource dataSource) {
        return new DatabaseHealthCheck(dataSource);
    }
}
