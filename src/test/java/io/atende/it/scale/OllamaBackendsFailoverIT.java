package io.atende.it.scale;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OllamaFixture;
import io.atende.llm.LlmBackends;
import io.atende.llm.LlmClient;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway with OLLAMA_BASE_URLS naming two real Ollama-protocol servers: when one stops, the other serves every
 * call and the stopped one's breaker opens (the LLM cap shrinks to the healthy backend's slots); when it is back,
 * its breaker lets a probe through and closes, and it serves again.
 */
class OllamaBackendsFailoverIT {

    private static final String TOKEN = "backends-it-token-0123456789";
    private static final String KEY = "backends-it-evolution-key";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final AtomicInteger IDS = new AtomicInteger();

    @TempDir
    Path dataDir;

    OllamaFixture a;
    OllamaFixture b;
    EvolutionFixture evolution;
    AtendeRunner app;

    @BeforeEach
    void start() {
        a = OllamaFixture.start().replyWith(call -> "A: " + call.lastUserContent());
        b = OllamaFixture.start().replyWith(call -> "B: " + call.lastUserContent());
        evolution = EvolutionFixture.start(KEY);
        app = new AtendeRunner()
                .database(TestPostgres.newDatabase(), dataDir)
                .set("atende.webhook.token", TOKEN)
                .set("atende.ollama.base-urls", a.baseUrl() + "#2, " + b.baseUrl() + "#1")
                .set("atende.llm.breaker.minimum-calls", "2")
                .set("atende.llm.breaker.window", "4")
                .set("atende.llm.breaker.open-seconds", "2")
                .set("atende.busy-notice.text", "")
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", KEY)
                .start();
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        for (AutoCloseable c : new AutoCloseable[]{a, b, evolution}) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @Test
    void theOtherBackendServesWhileOneIsDownAndItsBreakerClosesAfterRecovery() {
        LlmBackends backends = (LlmBackends) app.context().getRegistry().lookupByNameAndType("llm", LlmClient.class);
        assertThat(backends.backends()).hasSize(2);
        CircuitBreaker breakerA = backends.backends().get(0).breaker();
        CircuitBreaker breakerB = backends.backends().get(1).breaker();
        assertThat(breakerA.getName()).isEqualTo("ollama-127.0.0.1:" + a.port());
        assertThat(backends.healthySlots()).isEqualTo(3);

        // Both up: the least busy backend (A, two free slots) takes the call.
        send("antes");
        await().atMost(WAIT).until(() -> sentTexts().contains("A: antes"));

        a.refuseConnections();
        for (int i = 1; i <= 6; i++) {
            send("durante " + i);
        }
        await().atMost(WAIT).until(() -> sentTexts().stream().filter(t -> t.startsWith("B: durante")).count() == 6);
        assertThat(sentTexts()).noneMatch(t -> t.startsWith("A: durante"));
        assertThat(breakerA.getState()).isIn(CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN);
        assertThat(breakerB.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        if (breakerA.getState() == CircuitBreaker.State.OPEN) {
            assertThat(backends.healthySlots()).as("the cap shrinks to B's slot").isEqualTo(1);
        }
        String metrics = Http.get(app.baseUrl() + "/observe/metrics").body();
        assertThat(metrics).contains("atende_llm_backend_calls_total{backend=\"127.0.0.1:" + a.port() + "\",outcome=\"failed\"}")
                .contains("atende_llm_backend_calls_total{backend=\"127.0.0.1:" + b.port() + "\",outcome=\"ok\"}")
                .contains("atende_llm_backend_slots{backend=\"127.0.0.1:" + a.port() + "\"} 2.0");

        a.acceptConnections();
        int callsBefore = a.calls().size();
        // After the open period the breaker lets a probe through; A, with more free slots, is tried first.
        AtomicInteger n = new AtomicInteger();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
            send("depois " + n.incrementAndGet());
            return breakerA.getState() == CircuitBreaker.State.CLOSED && a.calls().size() > callsBefore;
        });
        await().atMost(WAIT).until(() -> sentTexts().stream().anyMatch(t -> t.startsWith("A: depois")));
        assertThat(backends.healthySlots()).isEqualTo(3);
        assertThat(Http.get(app.baseUrl() + "/observe/metrics").body())
                .contains("atende_llm_backend_breaker_state{backend=\"127.0.0.1:" + a.port() + "\"} 0.0");
        // Every message got exactly one answer, from one backend or the other.
        int messages = 1 + 6 + n.get();
        await().atMost(WAIT).until(() -> evolution.sent().size() == messages);
        assertThat(sentTexts()).doesNotHaveDuplicates();
    }

    java.util.List<String> sentTexts() {
        return evolution.sent().stream().map(EvolutionFixture.SentText::text).toList();
    }

    void send(String text) {
        int i = IDS.incrementAndGet();
        HttpResponse<String> r = Http.post(app.baseUrl() + "/webhooks/evolution",
                Payloads.fixture("01-text-conversation.json").instance("loja").id("3ABACK" + i)
                        .remoteJid(String.format("55119800%05d@s.whatsapp.net", i)).remoteJidAlt(null).text(text).json(),
                "Authorization", "Bearer " + TOKEN);
        assertThat(r.statusCode()).isEqualTo(200);
    }
}
