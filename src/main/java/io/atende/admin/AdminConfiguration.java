package io.atende.admin;

import io.atende.store.Transactions;
import io.atende.support.AtendeMetrics;
import io.atende.support.SecretToken;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

import java.nio.file.Path;

/** The /admin endpoints: their token and the dead letters. */
public class AdminConfiguration implements CamelConfiguration {

    /** ATENDE_ADMIN_TOKEN, or a token generated once into the data directory and shown once. */
    @BindToRegistry(value = "adminAuthenticator", lazy = true)
    public AdminAuthenticator adminAuthenticator(
            @PropertyInject(value = "atende.admin.token", defaultValue = "") String configured,
            @PropertyInject("atende.data-dir") String dataDir,
            @PropertyInject("atende.http.port") int port) {
        SecretToken token = SecretToken.resolve(configured, Path.of(dataDir.strip()), AdminAuthenticator.TOKEN_FILE);
        AdminAuthenticator.announce(token, port);
        return new AdminAuthenticator(token);
    }

    /** The atende_dead_letters gauge starts from the letters still open. */
    @BindToRegistry(value = "deadLetterStore", lazy = true)
    public DeadLetterStore deadLetterStore(Transactions tx, AtendeMetrics metrics) {
        DeadLetterStore store = new DeadLetterStore(tx, metrics);
        metrics.deadLettersOpen(store.countOpen());
        return store;
    }

    @BindToRegistry(value = "deadLetterJson", lazy = true)
    public DeadLetterJson deadLetterJson() {
        return new DeadLetterJson();
    }
}
