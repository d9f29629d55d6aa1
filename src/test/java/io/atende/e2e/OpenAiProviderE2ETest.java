package io.atende.e2e;

import io.atende.fixtures.EvolutionFixture;
import io.atende.fixtures.OpenAiFixture;
import io.atende.support.AtendeRunner;
import io.atende.support.Http;
import io.atende.support.Payloads;
import io.atende.support.TestPostgres;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ATENDE_LLM_PROVIDER=openai: the same routes, the whole loop (webhook, claim, LLM, formatting, sendText) against an
 * OpenAI-compatible server over real sockets, streamed (SSE) or not, with server errors, a hang and a stream cut by
 * an error. The LLM figures (tokens, duration, first token) come from the server's own answer, as with Ollama.
 */
class OpenAiProviderE2ETest {

    static final String KEY = "sk-local-teste";
    static final String FALLBACK =
            "Recebemos sua mensagem! Estamos com uma instabilidade no momento e vamos responder assim que possível.";

    @TempDir
    Path dataDir;

    OpenAiFixture llm;
    EvolutionFixture evolution;
    AtendeRunner app;
    String dbUrl;

    @BeforeEach
    void fixtures() {
        llm = OpenAiFixture.start().requireApiKey(KEY);
        evolution = EvolutionFixture.start("k");
        dbUrl = TestPostgres.newDatabase();
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
        llm.close();
        evolution.close();
    }

    void start(Map<String, String> settings) {
        app = new AtendeRunner()
                .database(dbUrl, dataDir)
                .set("atende.webhook.token", "t")
                .set("atende.llm.provider", "openai")
                .set("atende.openai.base-url", llm.baseUrl())
                .set("atende.openai.model", "qwen2.5-7b-instruct")
                .set("atende.openai.api-key", KEY)
                .set("atende.llm.max-reply-tokens", "300")
                .set("atende.evolution.base-url", evolution.baseUrl())
                .set("atende.evolution.api-key", "k");
        settings.forEach(app::set);
        app.start();
    }

    void post(String id, String text) {
        var ack = Http.post(app.baseUrl() + "/webhooks/evolution",
                Payloads.fixture("01-text-conversation.json").instance("loja").id(id).text(text).json(),
                "Authorization", "Bearer t");
        assertThat(ack.statusCode()).isEqualTo(200);
    }

    MeterRegistry meters() {
        return app.context().getRegistry().lookupByNameAndType("metricsRegistry", MeterRegistry.class);
    }

    @Test
    void aStreamedAnswerIsDeliveredWithTheServersOwnFigures() {
        start(Map.of());
        llm.replyWith(call -> "**Sim**, entregamos hoje.");
        post("3AOPENAI000000000001", "vocês entregam hoje?");

        await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 1);
        // The model's Markdown reached the customer in WhatsApp's formatting.
        assertThat(evolution.sent().get(0).text()).isEqualTo("*Sim*, entregamos hoje.");

        OpenAiFixture.ChatCall call = llm.calls().get(0);
        assertThat(call.model()).isEqualTo("qwen2.5-7b-instruct");
        assertThat(call.stream()).isTrue();
        assertThat(call.includeUsage()).isTrue();
        assertThat(call.maxTokens()).isEqualTo(300);
        assertThat(call.authorization()).isEqualTo("Bearer " + KEY);
        assertThat(call.messages().get(0).role()).isEqualTo("system");
        assertThat(call.lastUserContent()).isEqualTo("vocês entregam hoje?");

        int promptTokens = OpenAiFixture.estimatePromptTokens(call.messages());
        int replyTokens = OpenAiFixture.pieces("**Sim**, entregamos hoje.").size();
        MeterRegistry m = meters();
        assertThat(m.get("atende.llm.tokens").tag("kind", "input").counter().count()).isEqualTo(promptTokens);
        assertThat(m.get("atende.llm.tokens").tag("kind", "output").counter().count()).isEqualTo(replyTokens);
        assertThat(m.get("atende.llm.request").tag("outcome", "success").timer().count()).isEqualTo(1);
        assertThat(m.get("atende.llm.first.token").timer().count()).isEqualTo(1);
        assertThat(query("select llm_input_tokens || '/' || llm_output_tokens from messages where kind = 'answer'"))
                .isEqualTo(promptTokens + "/" + replyTokens);
        // The history keeps what the model wrote.
        assertThat(query("select model_text from messages where kind = 'answer'")).isEqualTo("**Sim**, entregamos hoje.");
    }

    @Test
    void aNonStreamedAnswerIsDeliveredWithItsUsageAndNoFirstTokenTime() {
        start(Map.of("atende.llm.stream", "false"));
        post("3AOPENAI000000000002", "qual o horário?");

        await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 1);
        assertThat(evolution.sent().get(0).text()).isEqualTo("Resposta: qual o horário?");
        assertThat(llm.calls()).singleElement().satisfies(c -> assertThat(c.stream()).isFalse());
        MeterRegistry m = meters();
        assertThat(m.get("atende.llm.tokens").tag("kind", "output").counter().count())
                .isEqualTo(OpenAiFixture.pieces("Resposta: qual o horário?").size());
        assertThat(m.find("atende.llm.first.token").timer()).satisfiesAnyOf(
                t -> assertThat(t).isNull(), t -> assertThat(t.count()).isZero());
    }

    @Test
    void serverErrorsGetOneFallbackThenTheAnswerOnce() {
        start(Map.of());
        llm.failNext(2, 500);
        post("3AOPENAI000000000003", "oi");

        await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 2);
        assertThat(evolution.sent()).extracting(EvolutionFixture.SentText::text).containsExactly(FALLBACK, "Resposta: oi");
        assertThat(llm.calls()).hasSize(3);
        assertThat(meters().get("atende.llm.request").tag("outcome", "failure").timer().count()).isEqualTo(2);
    }

    @Test
    void aHungServerTimesOutIntoTheFallbackAndIsAnsweredOnceItRecovers() {
        start(Map.of("atende.llm.timeout-seconds", "2"));
        llm.hang();
        post("3AOPENAI000000000004", "oi");

        await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 1);
        assertThat(evolution.sent().get(0).text()).isEqualTo(FALLBACK);
        llm.release();
        await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 2);
        assertThat(evolution.sent().get(1).text()).isEqualTo("Resposta: oi");
    }

    @Test
    void aStreamCutByAnErrorIsAFailureNeverAHalfAnswer() {
        start(Map.of());
        llm.replyWith(call -> "uma resposta longa que seria cortada no meio").errorMidStream(2);
        post("3AOPENAI000000000005", "oi");

        await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 1);
        assertThat(evolution.sent().get(0).text()).isEqualTo(FALLBACK);
        llm.noErrorMidStream();
        await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 2);
        assertThat(evolution.sent()).extracting(EvolutionFixture.SentText::text)
                .containsExactly(FALLBACK, "uma resposta longa que seria cortada no meio");
    }

    @Test
    void severalServersShareTheLoadAndOneDownIsFailedOver() {
        OpenAiFixture second = OpenAiFixture.start().requireApiKey(KEY);
        try {
            second.replyWith(call -> "B: " + call.lastUserContent());
            llm.refuseConnections();
            start(Map.of("atende.openai.base-urls", llm.baseUrl() + "#1," + second.baseUrl() + "#2"));
            post("3AOPENAI000000000006", "oi");

            await().atMost(Duration.ofSeconds(20)).until(() -> evolution.sent().size() == 1);
            assertThat(evolution.sent().get(0).text()).isEqualTo("B: oi");
            assertThat(meters().get("atende.config.llm_slots").gauge().value()).isEqualTo(3.0);
        } finally {
            second.close();
        }
    }

    private String query(String sql) {
        return TestPostgres.queryOne(dbUrl, sql);
    }
}
