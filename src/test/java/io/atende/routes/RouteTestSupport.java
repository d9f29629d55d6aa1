package io.atende.routes;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.atende.Atende;
import io.atende.reply.OutboundMessage;
import io.atende.store.Sql;
import io.atende.store.Transactions;
import io.atende.support.FreePort;
import io.atende.support.TestPostgres;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.builder.AdviceWithRouteBuilder;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.CamelMainTestSupport;
import org.apache.camel.util.function.ThrowingConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Properties;

/**
 * Route-level tests under camel-test-main: the real application.properties, YAML routes and beans, in this JVM and on
 * a fresh PostgreSQL database of the tests' shared server, with the external endpoints (Evolution's HTTP API, the LLM,
 * Kafka) replaced by advice. Nothing starts before the test has advised its routes: each test calls
 * {@link #advise} as it needs, then {@link #startCamel()}.
 * <p>
 * The timers of the routes (dispatch poll, leases, backlog gauges) are set far apart, so a test drives each route
 * itself and never races a timer.
 * <p>
 * The rows a test starts from are written with SQL ({@link #conversation}, {@link #part}, {@link #execute}); what it
 * checks is read back the same way ({@link #value}, {@link #column}).
 */
abstract class RouteTestSupport extends CamelMainTestSupport {

    static final String WEBHOOK_TOKEN = "t0ken-de-teste";
    static final String ADMIN_TOKEN = "admin-de-teste";
    /** Far apart: a test drives the routes itself. */
    static final String NEVER_MS = "3600000";
    static final String INSTANCE = "loja";
    static final String CONTACT = "5521987654321@s.whatsapp.net";

    /**
     * The HTTP port of this test's context. Set in {@link #useOverridePropertiesWithPropertiesComponent()}, which
     * CamelTestSupport calls from its constructor, before the field initialisers of this class run: a field given an
     * initialiser here would be reset after the properties were taken.
     */
    int port;

    /** What the test's context logged, for the routes that log a failure instead of raising it. */
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        rootLogger().addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        rootLogger().detachAppender(logs);
    }

    private static ch.qos.logback.classic.Logger rootLogger() {
        return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    }

    /** The messages logged at WARN or above so far, in order. */
    List<String> warnings() {
        synchronized (logs) { // the appender appends under its own lock
            return logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

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

    /** {@code settings("key", "value", ...)}: the properties of an {@link #overrides()}. */
    static Properties settings(String... keysAndValues) {
        Properties p = new Properties();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            p.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return p;
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

    // ---------------------------------------------------------------- rows

    /** The instance's id, created when missing. */
    long instance(String name) {
        return tx().inTransaction(c -> Sql.oneLong(c, """
                insert into instances (name) values (?)
                on conflict (name) do update set name = excluded.name returning id""", name));
    }

    /** A conversation of {@link #INSTANCE} with {@link #CONTACT} in this state. */
    long conversation(String state) {
        return conversation(INSTANCE, CONTACT, state);
    }

    long conversation(String instance, String contactJid, String state) {
        long instanceId = instance(instance);
        return tx().inTransaction(c -> Sql.oneLong(c, """
                insert into conversations (instance_id, contact_jid, state) values (?, ?, ?) returning id""",
                instanceId, contactJid, state));
    }

    /**
     * One stored reply part of the conversation, as atende_store_answer (an answer) or Notices (a notice) leaves it,
     * in the given status.
     */
    OutboundMessage part(long conversation, String kind, String text, String status, int index, int count) {
        return tx().inTransaction(c -> {
            record Target(long instanceId, String instance, String contactJid) {
            }
            Target t = Sql.one(c, """
                    select i.id, i.name, c.contact_jid from conversations c join instances i on i.id = c.instance_id
                     where c.id = ?""", rs -> new Target(rs.getLong(1), rs.getString(2), rs.getString(3)), conversation);
            long id = Sql.oneLong(c, """
                    insert into messages (instance_id, conversation_id, direction, kind, text, status, part_index, part_count)
                    values (?, ?, 'out', ?, ?, ?, ?, ?) returning id""",
                    t.instanceId(), conversation, kind, text, status, index, count);
            return new OutboundMessage(id, conversation, t.instance(), t.contactJid(), kind, text, index, count);
        });
    }

    /** A single-part answer of a conversation in 'replying', ready to be sent. */
    OutboundMessage storedPart(String text) {
        return part(conversation("replying"), "answer", text, "ready", 0, 1);
    }

    String conversationState(long conversation) {
        return value("select state from conversations where id = ?", conversation);
    }

    void execute(String sql, Object... params) {
        tx().inTransaction(c -> Sql.update(c, sql, params));
    }

    /** The first column of the first row as text, or null. */
    String value(String sql, Object... params) {
        List<String> rows = column(sql, params);
        return rows.isEmpty() ? null : rows.get(0);
    }

    /** The first column of every row, as text. */
    List<String> column(String sql, Object... params) {
        return tx().inTransaction(c -> Sql.query(c, sql, rs -> rs.getString(1), params));
    }
}
