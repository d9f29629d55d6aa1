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
import io.atende.support.Http;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import static org.assertj.core.api.Assertions.assertThat;

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
     * How long the seda workers (LLM turns, reply deliveries, voice notes) block on an empty queue before they look
     * at their consumer's state again; Camel's default is 1000 ms. Each test starts and stops a context, and both
     * wait for that: a worker started while the context is starting sleeps one poll timeout before its first poll
     * (the first turn of a test waited ~1 s for it), and stopping waits, one seda route after the other, until each
     * route's workers come back from their poll (~1 s per seda route, ~2 s per test with three). The tests measured
     * 3.5-4.5 s per test method with the default.
     */
    static final String SEDA_POLL_MS = "20";

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
        p.put("camel.component.seda.default-poll-timeout", SEDA_POLL_MS);
        UTF8_DEFAULTS.forEach(p::putIfAbsent);
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

    /** Settings of one test method ({@code "name=value"}), on top of the common ones and the class's {@link #overrides()}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface Settings {
        String[] value();
    }

    /**
     * CamelTestSupport reads the override properties in its constructor, without knowing the test method; the context
     * is built from them only in beforeEach. In between, this puts in the test method's {@link Settings}.
     */
    @RegisterExtension
    static final TestInstancePostProcessor METHOD_SETTINGS = new TestInstancePostProcessor() {
        @Override
        public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext root) {
            return ExtensionContextScope.TEST_METHOD;
        }

        @Override
        public void postProcessTestInstance(Object instance, ExtensionContext context) {
            RouteTestSupport test = (RouteTestSupport) instance;
            Properties p = test.camelContextConfiguration().useOverridePropertiesWithPropertiesComponent();
            Settings settings = context.getRequiredTestMethod().getAnnotation(Settings.class);
            if (settings != null) {
                p.putAll(settings(settings.value()));
            }
        }
    };

    /** Settings written {@code "name=value"}, as in {@link Settings} and for {@link #overrides()}. */
    static Properties settings(String... nameValues) {
        Properties p = new Properties();
        for (String setting : nameValues) {
            int eq = setting.indexOf('=');
            p.put(setting.substring(0, eq).strip(), setting.substring(eq + 1).strip());
        }
        return p;
    }

    /**
     * The entries of application.properties that are not plain ASCII (the Portuguese texts), read as UTF-8 as
     * {@link Atende} has its context read them; camel-test-main reads the file as ISO-8859-1.
     */
    static final Map<String, String> UTF8_DEFAULTS = utf8Defaults();

    private static Map<String, String> utf8Defaults() {
        Properties all = new Properties();
        try (Reader in = new InputStreamReader(RouteTestSupport.class.getResourceAsStream("/application.properties"),
                StandardCharsets.UTF_8)) {
            all.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> nonAscii = new HashMap<>();
        all.stringPropertyNames().stream().filter(k -> !StandardCharsets.US_ASCII.newEncoder().canEncode(all.getProperty(k)))
                .forEach(k -> nonAscii.put(k, all.getProperty(k)));
        return Map.copyOf(nonAscii);
    }

    /** A webhook as an Evolution instance posts it to its per-instance URL, with the Bearer token. */
    HttpResponse<String> postWebhook(String json) {
        return Http.post(baseUrl() + "/webhooks/evolution", json, "Authorization", "Bearer " + WEBHOOK_TOKEN);
    }

    /** The same webhook straight into the ingest route, where HTTP is not the point; returns the ack's body. */
    String ingest(String json) {
        return template.requestBodyAndHeader("direct:ingest-evolution-webhook", json.getBytes(StandardCharsets.UTF_8),
                "Authorization", "Bearer " + WEBHOOK_TOKEN, String.class);
    }

    /** An error answer: its status, the problem+json media type and the whole body. */
    static void assertProblem(HttpResponse<String> response, int status, String body) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).isEqualTo(body);
    }

    /** The one part of the one batch a mock of a delivery hand-off received. */
    static OutboundMessage onlyPart(MockEndpoint mock) {
        List<List<OutboundMessage>> batches = batches(mock);
        assertThat(batches).hasSize(1);
        assertThat(batches.get(0)).hasSize(1);
        return batches.get(0).get(0);
    }

    /** What a mock of a delivery hand-off received: one batch of parts per exchange, in order. */
    @SuppressWarnings("unchecked")
    static List<List<OutboundMessage>> batches(MockEndpoint mock) {
        return mock.getReceivedExchanges().stream()
                .map(e -> (List<OutboundMessage>) e.getMessage().getBody(List.class)).toList();
    }
}
