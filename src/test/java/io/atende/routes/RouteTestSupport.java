package io.atende.routes;

import io.atende.Atende;
import io.atende.store.Transactions;
import io.atende.support.FreePort;
import io.atende.support.TestPostgres;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.AdviceWithRouteBuilder;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.apache.camel.util.function.ThrowingConsumer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Properties;

/**
 * Route-level tests under camel-test-main: the real application.properties, YAML routes and beans, in this JVM and on
 * a fresh PostgreSQL database of the tests' shared server, with the external endpoints (Evolution's HTTP API, the LLM,
 * Kafka) replaced by advice. Nothing starts before the test has advised its routes: each test calls
 * {@link #advise} as it needs, then {@link #startCamel()}.
 * <p>
 * The timers of the routes (dispatch poll, leases, backlog gauges) are set far apart, so a test drives each route
 * itself and never races a timer.
 */
abstract class RouteTestSupport extends CamelMainTestSupport {

    static final String WEBHOOK_TOKEN = "t0ken-de-teste";
    static final String ADMIN_TOKEN = "admin-de-teste";
    /** Far apart: a test drives the routes itself. */
    static final String NEVER_MS = "3600000";

    /**
     * The HTTP port of this test's context. Set in {@link #useOverridePropertiesWithPropertiesComponent()}, which
     * CamelTestSupport calls from its constructor, before the field initialisers of this class run: a field given an
     * initialiser here would be reset after the properties were taken.
     */
    int port;

    @Override
    protected void configure(MainConfigurationProperties configuration) {
        Atende.configurations().forEach(configuration::addConfiguration);
    }

    @Override
    public boolean isUseAdviceWith() {
        return true;
    }

    @Override
    protected Properties useOverridePropertiesWithPropertiesComponent() {
        port = FreePort.next();
        Properties p = new Properties();
        try {
            p.put("atende.data-dir", Files.createTempDirectory("atende-routes").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        p.put("atende.db.url", TestPostgres.newDatabase());
        p.put("atende.db.user", "postgres");
        p.put("atende.http.port", String.valueOf(port));
        p.put("atende.webhook.token", WEBHOOK_TOKEN);
        p.put("atende.admin.token", ADMIN_TOKEN);
        p.put("atende.debounce-ms", "0");
        p.put("atende.dispatch.poll-ms", NEVER_MS);
        p.put("atende.lease.check-ms", NEVER_MS);
        p.put("atende.lease.seconds", "7300");
        p.put("atende.metrics.backlog-refresh-ms", NEVER_MS);
        p.put("atende.send.max-attempts", "3");
        p.put("atende.send.retry-delay-ms", "10");
        p.put("atende.send.retry-max-delay-ms", "20");
        p.put("atende.send.reconcile-after-seconds", "0");
        p.put("atende.llm.retry-base-ms", "100");
        p.put("atende.llm.retry-max-ms", "100");
        // Nothing listens there: a test that forgets to replace an external endpoint fails instead of reaching one.
        p.put("atende.ollama.base-url", "http://127.0.0.1:1");
        p.put("atende.evolution.base-url", "http://127.0.0.1:1");
        p.put("atende.evolution.api-key", "chave-evolution");
        p.put("camel.main.shutdown-timeout", "5");
        p.putAll(overrides());
        return p;
    }

    /**
     * Settings of one test class, on top of the common ones. Called from the constructor (see {@link #port}), so it
     * must not read instance fields.
     */
    protected Properties overrides() {
        return new Properties();
    }

    /** Advises one route before the context starts (replace an external endpoint, intercept a hand-off). */
    void advise(String routeId, ThrowingConsumer<AdviceWithRouteBuilder, Exception> advice) throws Exception {
        AdviceWith.adviceWith(context, routeId, advice);
    }

    void startCamel() {
        context.start();
    }

    Transactions tx() {
        return context.getRegistry().lookupByNameAndType("transactions", Transactions.class);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }
}
