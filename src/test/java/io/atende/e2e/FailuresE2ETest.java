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
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The LLM and Evolution API misbehave; no customer message is lost and none is answered twice. */
class FailuresE2ETest {

    @TempDir
    Path dataDir;

    OllamaFixture ollama;
    EvolutionFixture evolution;
    AtendeRunner app;
    String dbUrl;

    @BeforeEach
    void start() {
        ollama = OllamaFixture.start();
        evolution = EvolutionFixture.start("k");
        dbUrl = TestPostgres.newDatabase();
        app = new AtendeRunner()
                .database(dbUrl, dataDir)
                .set("atende.webhook.token", "t")
                .set("atende.send.max-attempts", "4")
                .set("atende.ollama.base-url", ollama.baseUrl())
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", "k")
                .start();
    }

    @AfterEach
    void stop() {
        app.close();
        ollama.close();
        evolution.close();
    }

    private void post(String id, String text) {
        var ack = Http.post(app.baseUrl() + "/webhooks/evolution",
                Payloads.fixture("01-text-conversation.json").instance("loja").id(id).text(text).json(),
                "Authorization", "Bearer t");
        assertThat(ack.statusCode()).isEqualTo(200);
    }

    @Test
    void failedLlmCallGetsOneFallbackAtOnceThenTheAnswerOnce() {
        ollama.failNext(2, 500);
        post("3ALLM000000000000001", "oi");
        await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 2);
        assertThat(ollama.calls()).hasSize(3);
        assertThat(evolution.sent()).extracting(EvolutionFixture.SentText::text).containsExactly(
                "Recebemos sua mensagem! Estamos com uma instabilidade no momento e vamos responder assim que possível.",
                "Resposta: oi");
        assertThat(query("select llm_failures from conversations")).isEqualTo("0");
        assertThat(query("select fallback_sent_at is null from conversations")).isEqualTo("t");
    }

    @Test
    void evolution5xxAndDroppedConnectionsAreRetriedUntilAccepted() {
        evolution.failNext(1, 500);
        evolution.dropNextConnections(1);
        post("3ASEND00000000000001", "oi");
        await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 1);
        assertThat(query("select count(*) from delivery_attempts")).isEqualTo("3");
        // The dropped request may have reached Evolution: before resending, Evolution was asked (findMessages) and
        // had no such message, so that attempt is recorded as lost.
        assertThat(query("select string_agg(outcome, ',' order by id) from delivery_attempts"))
                .isEqualTo("lost,retry,accepted");
        assertThat(evolution.findMessagesCalls()).hasSize(1);
        assertThat(query("select status from messages where direction = 'out'")).isEqualTo("sent");
        assertThat(query("select wa_message_id from messages where direction = 'out'"))
                .isEqualTo(evolution.sent().get(0).keyId());
    }

    @Test
    void numberNotOnWhatsAppIsGivenUpAtOnceWithTheReason() {
        evolution.notOnWhatsApp("5521987654321");
        post("3ADEAD00000000000001", "oi");
        await().atMost(Duration.ofSeconds(20)).until(() -> "dead".equals(query("select status from messages where direction = 'out'")));
        assertThat(query("select count(*) from delivery_attempts")).isEqualTo("1");
        assertThat(query("select failure_reason from messages where direction = 'out'")).contains("400").contains("exists");
        // The conversation is free again: the next message is handled.
        await().atMost(Duration.ofSeconds(5)).until(() -> "idle".equals(query("select state from conversations")));
    }

    @Test
    void evolutionDownForAllAttemptsGivesUpAfterMaxAttempts() {
        evolution.respondAlways(503);
        post("3ADOWN00000000000001", "oi");
        await().atMost(Duration.ofSeconds(20)).until(() -> "dead".equals(query("select status from messages where direction = 'out'")));
        assertThat(query("select count(*) from delivery_attempts")).isEqualTo("4");
        assertThat(query("select string_agg(coalesce(http_status, 0)::text || ':' || outcome, ',' order by id) from delivery_attempts"))
                .isEqualTo("503:retry,503:retry,503:retry,503:retry");
    }

    private String query(String sql) {
        return TestPostgres.queryOne(dbUrl, sql);
    }
}
