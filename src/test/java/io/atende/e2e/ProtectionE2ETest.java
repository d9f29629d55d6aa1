package io.atende.e2e;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Protecting a slow LLM: debounce, the global cap on calls in flight, fairness between instances,
 * admission control, the LLM circuit breaker with its fallback, and per-instance send breakers.
 * Each test starts the real gateway with the settings under test.
 */
class ProtectionE2ETest {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final AtomicInteger IDS = new AtomicInteger();

    @TempDir
    Path dataDir;

    OllamaFixture ollama;
    EvolutionFixture evolution;
    AtendeRunner app;
    String dbUrl;

    @BeforeEach
    void fixtures() {
        ollama = OllamaFixture.start();
        evolution = EvolutionFixture.start("k");
        dbUrl = TestPostgres.newDatabase();
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        ollama.close();
        evolution.close();
    }

    void start(Map<String, String> settings) {
        app = new AtendeRunner()
                .database(dbUrl, dataDir)
                .set("atende.webhook.token", "t")
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", "k");
        settings.forEach(app::set);
        app.start();
    }

    void post(String instance, String phone, String text) {
        String jid = phone + "@s.whatsapp.net";
        var ack = Http.post(app.baseUrl() + "/webhooks/evolution",
                Payloads.fixture("01-text-conversation.json").instance(instance)
                        .id("3APROT" + String.format("%014d", IDS.incrementAndGet()))
                        .remoteJid(jid).remoteJidAlt(jid).text(text).json(),
                "Authorization", "Bearer t");
        assertThat(ack.statusCode()).isEqualTo(200);
    }

    List<String> textsTo(String phone) {
        return evolution.sent().stream().filter(s -> s.number().equals(phone)).map(EvolutionFixture.SentText::text).toList();
    }

    @Test
    void burstOfMessagesBecomesOneTurnWithAllOfThemInOrder() {
        start(Map.of("atende.debounce-ms", "700", "atende.debounce-max-ms", "10000"));
        post("loja", "5511900000001", "oi");
        post("loja", "5511900000001", "queria saber");
        post("loja", "5511900000001", "o horário de amanhã");

        await().atMost(WAIT).until(() -> textsTo("5511900000001").size() == 1);
        assertThat(ollama.calls()).hasSize(1);
        assertThat(ollama.calls().get(0).lastUserContent()).isEqualTo("oi\nqueria saber\no horário de amanhã");
        assertThat(textsTo("5511900000001")).containsExactly("Resposta: oi\nqueria saber\no horário de amanhã");
    }

    @Test
    void customerWhoKeepsTypingIsStillAnsweredAfterTheDebounceCap() throws Exception {
        start(Map.of("atende.debounce-ms", "600", "atende.debounce-max-ms", "1500"));
        long end = System.nanoTime() + Duration.ofMillis(3500).toNanos();
        List<String> typed = new java.util.ArrayList<>();
        while (System.nanoTime() < end) {
            String text = "msg " + (typed.size() + 1);
            post("loja", "5511900000002", text);
            typed.add(text);
            Thread.sleep(250); // always closer than the debounce window
        }
        java.time.Instant stoppedTyping = java.time.Instant.now();

        // Every message reaches the model exactly once, in order, across the turns.
        await().atMost(WAIT).until(() -> pendingLines(ollama).size() == typed.size());
        assertThat(pendingLines(ollama)).containsExactlyElementsOf(typed);
        // The cap answered while the customer was still typing, so there was more than one turn.
        assertThat(ollama.calls()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(ollama.calls().get(0).receivedAt()).isBefore(stoppedTyping);
    }

    /** The customer's pending lines of every turn the model received, in call order. */
    private static List<String> pendingLines(OllamaFixture ollama) {
        return ollama.calls().stream().flatMap(c -> java.util.Arrays.stream(c.lastUserContent().split("\n"))).toList();
    }

    @Test
    void neverMoreLlmCallsInFlightThanTheConfiguredSlots() {
        start(Map.of("atende.llm.parallel", "2"));
        ollama.processingTime(Duration.ofMillis(300));
        for (int i = 0; i < 10; i++) {
            post("loja", "55119000001" + String.format("%02d", i), "pergunta " + i);
        }
        await().atMost(WAIT).until(() -> evolution.sent().size() == 10);
        assertThat(ollama.maxConcurrent()).isEqualTo(2);
        assertThat(ollama.calls()).hasSize(10);
    }

    @Test
    void aFloodingInstanceDoesNotStarveAnInstanceWithOneCustomer() {
        // plain round robin (cache affinity off): the next test bounds what affinity may add
        start(Map.of("atende.llm.parallel", "1", "atende.dispatch.poll-ms", "100",
                "atende.cache-affinity.enabled", "false"));
        ollama.processingTime(Duration.ofMillis(200));
        for (int i = 0; i < 12; i++) {
            post("flood", "55219000001" + String.format("%02d", i), "flood " + i);
        }
        post("calma", "5531900000001", "só uma pergunta");

        await().atMost(WAIT).until(() -> !textsTo("5531900000001").isEmpty());
        List<String> order = evolution.sent().stream().map(EvolutionFixture.SentText::number).toList();
        int calmAt = order.indexOf("5531900000001");
        // Round robin between instances: the lone customer is served within the first couple of turns,
        // not after the flood's twelve.
        assertThat(calmAt).isLessThanOrEqualTo(2);
        await().atMost(WAIT).until(() -> evolution.sent().size() == 13);
    }

    @Test
    void withCacheAffinityTheFloodsNumberKeepsTheSlotWithinTheBound() {
        // the default bound (60 s) is far longer than the flood's twelve 200 ms turns: the slot keeps serving the
        // flood's number, whose prompt prefix it holds, and the lone customer comes after it (the fairness bound
        // itself is pinned in CacheAffinityClaimTest, on database timestamps)
        start(Map.of("atende.llm.parallel", "1", "atende.dispatch.poll-ms", "100"));
        ollama.processingTime(Duration.ofMillis(200));
        for (int i = 0; i < 12; i++) {
            post("flood", "55219000001" + String.format("%02d", i), "flood " + i);
        }
        post("calma", "5531900000001", "só uma pergunta");

        await().atMost(WAIT).until(() -> evolution.sent().size() == 13);
        List<String> order = evolution.sent().stream().map(EvolutionFixture.SentText::number).toList();
        assertThat(order.get(12)).isEqualTo("5531900000001");
    }

    @Test
    void longEstimatedWaitGetsOneNoticeWithThePlaceInTheQueue() {
        start(Map.of("atende.llm.parallel", "1", "atende.llm.expected-seconds", "2", "atende.busy-notice.seconds", "3"));
        ollama.hang();
        post("loja", "5541900000001", "oi 1");
        // The places below count the conversations ahead: the first one must hold the slot before the others come
        // (it is claimed asynchronously, after its webhook's answer).
        await().atMost(WAIT).until(() -> ollama.calls().size() == 1);
        for (int i = 2; i <= 4; i++) {
            post("loja", "554190000000" + i, "oi " + i);
        }
        post("loja", "5541900000004", "alguém aí?"); // same wait: no second notice
        await().atMost(WAIT).until(() -> evolution.sent().size() >= 2);
        ollama.release();
        await().atMost(WAIT).until(() -> textsTo("5541900000004").size() == 2);

        // 1st: in flight, no notice. 2nd: 2 turns of ~2 s ahead (≈4 s > 3 s): notice. 3rd and 4th too.
        assertThat(textsTo("5541900000001")).containsExactly("Resposta: oi 1");
        assertThat(textsTo("5541900000003").get(0)).contains("n.º 2 na fila");
        assertThat(textsTo("5541900000004").get(0)).contains("n.º 3 na fila");
        assertThat(textsTo("5541900000004").get(1)).isEqualTo("Resposta: oi 4\nalguém aí?");
    }

    @Test
    void openLlmBreakerAnswersWithTheFallbackAndTheLlmAnswersAfterRecovery() {
        start(Map.of("atende.llm.breaker.minimum-calls", "2", "atende.llm.breaker.window", "2",
                "atende.llm.breaker.open-seconds", "2", "atende.llm.retry-base-ms", "300", "atende.llm.retry-max-ms", "600"));
        ollama.refuseConnections();
        for (int i = 1; i <= 4; i++) {
            post("loja", "554790000000" + i, "oi " + i);
        }
        // Each customer hears at once that the message was received, exactly once.
        await().atMost(WAIT).until(() -> evolution.sent().size() == 4);
        assertThat(evolution.sent()).allSatisfy(s -> assertThat(s.text()).startsWith("Recebemos sua mensagem!"));
        await().atMost(WAIT).until(() -> Http.get(app.baseUrl() + "/observe/metrics").body()
                .contains("resilience4j_circuitbreaker_state{name=\"llm-breaker\",state=\"open\"} 1.0"));

        ollama.acceptConnections();
        await().atMost(WAIT).until(() -> evolution.sent().size() == 8);
        for (int i = 1; i <= 4; i++) {
            assertThat(textsTo("554790000000" + i)).hasSize(2).last().isEqualTo("Resposta: oi " + i);
        }
    }

    @Test
    void withoutAnswerAfterRecoveryTheFallbackIsTheOnlyAnswer() throws Exception {
        start(Map.of("atende.llm.answer-after-recovery", "false"));
        ollama.failNext(1, 500);
        post("loja", "5548900000001", "oi");
        await().atMost(WAIT).until(() -> evolution.sent().size() == 1);
        post("loja", "5548900000001", "e agora?");
        await().atMost(WAIT).until(() -> evolution.sent().size() == 2);
        assertThat(textsTo("5548900000001").get(0)).startsWith("Recebemos sua mensagem!");
        assertThat(ollama.calls()).hasSize(2);
        // The failed message is not retried on its own; it is history now, before the new message (consecutive
        // customer messages are merged into one user turn).
        assertThat(ollama.calls().get(1).lastUserContent()).isEqualTo("oi\ne agora?");
        assertThat(textsTo("5548900000001")).hasSize(2);
        assertThat(query("select status from messages where text = 'oi'")).isEqualTo("fallback");
    }

    @Test
    void oneDisconnectedNumberDoesNotHoldBackTheOthers() {
        start(Map.of("atende.send.breaker.minimum-calls", "2", "atende.send.breaker.window", "2",
                "atende.send.breaker.open-seconds", "1", "atende.send.retry-delay-ms", "200", "atende.send.max-attempts", "50"));
        evolution.failInstance("desconectado", 500);
        for (int i = 1; i <= 6; i++) {
            post("desconectado", "555190000000" + i, "oi " + i);
        }
        await().atMost(WAIT).until(() -> Http.get(app.baseUrl() + "/observe/metrics").body()
                .contains("name=\"evolution-send-desconectado\",state=\"open\"} 1.0"));
        post("conectado", "5551900000009", "oi");
        await().atMost(Duration.ofSeconds(10)).until(() -> textsTo("5551900000009").size() == 1);

        evolution.failInstance("desconectado", 0);
        await().atMost(WAIT).until(() -> evolution.sent().size() == 7);
        assertThat(query("select count(*) from delivery_attempts where outcome = 'breaker_open'")).isNotEqualTo("0");
    }

    String query(String sql) {
        try (Connection c = DriverManager.getConnection(dbUrl, "postgres", "");
             ResultSet rs = c.createStatement().executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
