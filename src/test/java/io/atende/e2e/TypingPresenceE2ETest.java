package io.atende.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.profile.InstanceProfiles;
import io.atende.reply.TypingIndicator;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.Profiles;
import io.atende.support.TestPostgres;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * "digitando…" over real sockets: the real gateway with ATENDE_TYPING_REFRESH_S=1, the Ollama stand-in answering
 * slowly, the Evolution stand-in recording each sendPresence (after holding it for its delay, as Evolution does) and
 * each sendText. Each test uses its own instance names.
 */
class TypingPresenceE2ETest {

    static final String TOKEN = "typing-token-" + UUID.randomUUID();
    static final String EVOLUTION_KEY = "evo-key";
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dataDir;

    static OllamaFixture ollama;
    static EvolutionFixture evolution;
    static PresenceFaults faults;
    static AtendeRunner app;
    static String dbUrl;

    @BeforeAll
    static void start() throws IOException {
        ollama = OllamaFixture.start();
        evolution = EvolutionFixture.start(EVOLUTION_KEY);
        faults = new PresenceFaults(evolution.baseUrl());
        dbUrl = TestPostgres.newDatabase();
        app = new AtendeRunner()
                .database(dbUrl, dataDir)
                .set("atende.webhook.token", TOKEN)
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", EVOLUTION_KEY)
                .set("atende.llm.parallel", "3")
                .set("atende.typing.refresh-s", "1")
                .start();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (faults != null) {
            faults.close();
        }
        if (ollama != null) {
            ollama.close();
        }
        if (evolution != null) {
            evolution.close();
        }
    }

    @AfterEach
    void fastModelAgain() {
        ollama.clearFaults();
    }

    static String newInstance(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static void customerWrites(String instance, String phone, String text) {
        String jid = phone + "@s.whatsapp.net";
        HttpResponse<String> ack = Http.post(app.baseUrl() + "/webhooks/evolution",
                Payloads.fixture("01-text-conversation.json").instance(instance)
                        .id("3A" + UUID.randomUUID().toString().replace("-", "").substring(0, 18).toUpperCase())
                        .remoteJid(jid).remoteJidAlt(jid).text(text).json(),
                "Authorization", "Bearer " + TOKEN);
        assertThat(ack.body()).contains("\"status\":\"accepted\"");
    }

    static void profile(String instance, String json) {
        Profiles.write(dbUrl, instance, json);
        app.context().getRegistry().lookupByNameAndType("instanceProfiles", InstanceProfiles.class).invalidate();
    }

    static EvolutionFixture.SentText awaitReply(String instance) {
        await().atMost(WAIT).until(() -> evolution.sent().stream().anyMatch(s -> s.instance().equals(instance)));
        return evolution.sent().stream().filter(s -> s.instance().equals(instance)).findFirst().orElseThrow();
    }

    static List<EvolutionFixture.Presence> presencesOf(String instance) {
        return evolution.presences().stream().filter(p -> p.instance().equals(instance)).toList();
    }

    static OllamaFixture.ChatCall callOf(String marker) {
        return ollama.calls().stream().filter(c -> c.lastUserContent().equals(marker)).findFirst().orElseThrow();
    }

    static long conversationOf(String instance) {
        try (Connection c = DriverManager.getConnection(dbUrl, "postgres", "");
             PreparedStatement s = c.prepareStatement(
                     "select c.id from conversations c join instances i on i.id = c.instance_id where i.name = ?")) {
            s.setString(1, instance);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static TypingIndicator typing() {
        return app.context().getRegistry().lookupByNameAndType("typingIndicator", TypingIndicator.class);
    }

    static double typingCount(String instance, String outcome) {
        MeterRegistry meters = app.context().getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
        Counter c = meters.find("atende.typing").tag("instance", instance).tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aSlowAnswerIsPrecededByComposingRefreshedEverySecondUntilTheReply() {
        String loja = newInstance("loja");
        String marker = "Vocês entregam no domingo? " + UUID.randomUUID();
        ollama.processingTime(Duration.ofMillis(3500));

        customerWrites(loja, "5521987650001", marker);
        EvolutionFixture.SentText reply = awaitReply(loja);
        Instant asked = callOf(marker).receivedAt();

        // A presence is recorded once Evolution has held it for its delay: the one in flight at the reply comes last.
        await().atMost(WAIT).until(() -> presencesOf(loja).stream()
                .filter(p -> p.receivedAt().isBefore(reply.receivedAt())).count() >= 2);
        List<EvolutionFixture.Presence> presences = presencesOf(loja);
        assertThat(presences).allSatisfy(p -> {
            assertThat(p.number()).isEqualTo("5521987650001");
            assertThat(p.presence()).isEqualTo("composing");
            assertThat(p.delay()).isEqualTo(1000);
        });
        // the first as the LLM call began, the next ones while it ran: each after the one before had answered
        // (its delay over, its "paused" sent) and at most about a second later
        assertThat(Duration.between(asked, presences.get(0).receivedAt()).abs()).isLessThan(Duration.ofMillis(500));
        for (int i = 1; i < presences.size(); i++) {
            Duration gap = Duration.between(presences.get(i - 1).receivedAt(), presences.get(i).receivedAt());
            assertThat(gap).isBetween(Duration.ofMillis(1000), Duration.ofMillis(2500));
        }
        assertThat(presences.get(1).receivedAt()).as("refreshed during the call").isBefore(reply.receivedAt());
        assertThat(reply.text()).isEqualTo("Resposta: " + marker);

        // Stopped when the answer was stored, before its reply went out: no further presence is ever due for it.
        assertThat(typing().isTyping(conversationOf(loja))).isFalse();
        await().atMost(WAIT).until(() -> typingCount(loja, "sent") == presencesOf(loja).size());
    }

    @Test
    void aNumberWhoseProfileSaysTypingFalseShowsNothing() {
        String calada = newInstance("calada");
        String falante = newInstance("falante");
        profile(calada, "{\"typing\":false}");
        ollama.processingTime(Duration.ofMillis(2000));

        customerWrites(calada, "5521987650002", "Oi, tudo bem?");
        customerWrites(falante, "5521987650003", "Oi, tudo bem?");
        EvolutionFixture.SentText quietReply = awaitReply(calada);
        awaitReply(falante);

        // A presence is posted as the turn starts and recorded a second later, the reply two seconds later: the other
        // number, typing meanwhile, shows it would have been seen.
        assertThat(presencesOf(calada)).isEmpty();
        await().atMost(WAIT).until(() -> !presencesOf(falante).isEmpty());
        assertThat(presencesOf(falante).get(0).receivedAt()).isBefore(quietReply.receivedAt());
        assertThat(typingCount(calada, "sent") + typingCount(calada, "failed") + typingCount(calada, "unreachable"))
                .isZero();
    }

    @Test
    void aFailingOrHangingSendPresenceNeverDelaysTheReply() {
        String falha = newInstance("falha");
        String muda = newInstance("muda");
        profile(falha, "{\"evolution\":{\"baseUrl\":\"" + faults.baseUrl() + "\"}}");
        profile(muda, "{\"evolution\":{\"baseUrl\":\"" + faults.baseUrl() + "\"}}");
        faults.failPresencesOf(falha, 500);
        faults.holdPresencesOf(muda);
        ollama.processingTime(Duration.ofMillis(2500));

        customerWrites(falha, "5521987650004", "Qual o horário? (1)");
        customerWrites(muda, "5521987650005", "Qual o horário? (2)");
        EvolutionFixture.SentText failedTyping = awaitReply(falha);
        EvolutionFixture.SentText heldTyping = awaitReply(muda);

        assertThat(failedTyping.text()).isEqualTo("Resposta: Qual o horário? (1)");
        assertThat(heldTyping.text()).isEqualTo("Resposta: Qual o horário? (2)");
        // each reply as soon as its 2.5 s answer was stored, whatever its presences did
        assertThat(Duration.between(callOf("Qual o horário? (1)").receivedAt(), failedTyping.receivedAt()))
                .isLessThan(Duration.ofMillis(4500));
        assertThat(Duration.between(callOf("Qual o horário? (2)").receivedAt(), heldTyping.receivedAt()))
                .isLessThan(Duration.ofMillis(4500));
        assertThat(faults.presencesTo(falha)).isGreaterThanOrEqualTo(2); // failed at once, so refreshed each second
        assertThat(typingCount(falha, "failed")).isGreaterThanOrEqualTo(2);
        assertThat(faults.presencesTo(muda)).as("one at a time: the held one is never doubled").isEqualTo(1);
        assertThat(presencesOf(falha)).isEmpty();
    }

    /**
     * In front of the Evolution stand-in: sendPresence of the chosen instances fails (an HTTP status) or is held until
     * the test ends; every other request is passed through. The stand-in itself fails sendText and sendPresence alike.
     */
    static final class PresenceFaults implements AutoCloseable {

        private final String target;
        private final HttpServer server;
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final java.util.Map<String, Integer> failing = new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.Set<String> holding = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final List<String> presencePaths = new CopyOnWriteArrayList<>();
        private final CountDownLatch closing = new CountDownLatch(1);

        PresenceFaults(String target) throws IOException {
            this.target = target;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", this::handle);
            server.setExecutor(Executors.newCachedThreadPool());
            server.start();
        }

        String baseUrl() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        void failPresencesOf(String instance, int status) {
            failing.put(instance, status);
        }

        void holdPresencesOf(String instance) {
            holding.add(instance);
        }

        long presencesTo(String instance) {
            return presencePaths.stream().filter(p -> p.equals("/chat/sendPresence/" + instance)).count();
        }

        private void handle(HttpExchange ex) throws IOException {
            String path = ex.getRequestURI().getRawPath();
            byte[] body = ex.getRequestBody().readAllBytes();
            if (path.startsWith("/chat/sendPresence/")) {
                presencePaths.add(path);
                String instance = path.substring("/chat/sendPresence/".length());
                if (holding.contains(instance)) {
                    try {
                        closing.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    ex.close();
                    return;
                }
                Integer status = failing.get(instance);
                if (status != null) {
                    byte[] error = ("{\"status\":" + status + ",\"error\":\"Internal Server Error\","
                            + "\"response\":{\"message\":\"Connection Closed\"}}").getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().add("Content-Type", "application/json");
                    ex.sendResponseHeaders(status, error.length);
                    ex.getResponseBody().write(error);
                    ex.close();
                    return;
                }
            }
            try {
                HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + ex.getRequestURI()))
                        .timeout(Duration.ofSeconds(30))
                        .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
                for (String header : List.of("apikey", "Content-Type")) {
                    String value = ex.getRequestHeaders().getFirst(header);
                    if (value != null) {
                        forward.header(header, value);
                    }
                }
                HttpResponse<byte[]> answer = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                answer.headers().firstValue("Content-Type").ifPresent(t -> ex.getResponseHeaders().add("Content-Type", t));
                ex.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
                ex.getResponseBody().write(answer.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                ex.sendResponseHeaders(502, -1);
            } finally {
                ex.close();
            }
        }

        @Override
        public void close() {
            closing.countDown();
            server.stop(0);
        }
    }
}
