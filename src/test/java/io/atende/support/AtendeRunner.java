package io.atende.support;

import io.atende.Atende;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Runs the real gateway in this JVM (same routes, beans and application.properties as {@code java -jar}),
 * with selected settings overridden, for end-to-end tests over real sockets.
 */
public final class AtendeRunner implements AutoCloseable {

    private final Map<String, String> overrides = new LinkedHashMap<>();
    private final int port;
    private Main main;

    public AtendeRunner() {
        this.port = FreePort.next();
        set("atende.http.port", String.valueOf(port));
        set("atende.dispatch.poll-ms", "200");
        set("atende.debounce-ms", "0");
        set("atende.llm.expected-seconds", "1");
        set("atende.send.retry-delay-ms", "50");
        set("atende.send.retry-max-delay-ms", "200");
        // an unanswered sendText is looked up with findMessages at once (production waits for Evolution to finish it)
        set("atende.send.reconcile-after-seconds", "0");
        set("atende.llm.retry-base-ms", "200");
        set("atende.llm.retry-max-ms", "1000");
        set("atende.db.connect-timeout-ms", "1000");
        set("camel.main.shutdown-timeout", "5");
        // Camel's 1000 ms default: the seda workers' first poll waits that long after start, and a stop waits, one seda
        // route after the other, for their workers to come back from a poll (~2 s per stop with three seda routes).
        set("camel.component.seda.default-poll-timeout", "20");
    }

    /** PostgreSQL at this JDBC URL (user postgres, as the tests' servers run), and the data directory. */
    public AtendeRunner database(String jdbcUrl, java.nio.file.Path dataDir) {
        return set("atende.db.url", jdbcUrl).set("atende.db.user", "postgres").set("atende.data-dir", dataDir.toString());
    }

    public AtendeRunner set(String key, String value) {
        overrides.put(key, value);
        return this;
    }

    public AtendeRunner start() {
        main = new Atende();
        Properties p = new Properties();
        p.putAll(overrides);
        main.setOverrideProperties(p);
        try {
            main.start();
        } catch (Exception e) {
            throw new IllegalStateException("Atende did not start: " + e.getMessage(), e);
        }
        return this;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public void stop() {
        if (main != null) {
            try {
                main.stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            main = null;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
