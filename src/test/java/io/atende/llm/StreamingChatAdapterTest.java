package io.atende.llm;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.TimeoutException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.atende.fixtures.OllamaFixture;
import io.atende.support.AtendeMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The blocking ChatModel over Ollama's streaming API, against the protocol-exact fake Ollama: the answer, its token
 * counts and the first-token time arrive; the timeout bounds the whole call and cancels the stream; errors surface.
 */
class StreamingChatAdapterTest {

    OllamaFixture ollama;
    SimpleMeterRegistry registry;
    AtendeMetrics metrics;
    LlmCallObserver observer;

    @BeforeEach
    void start() {
        ollama = OllamaFixture.start();
        registry = new SimpleMeterRegistry();
        metrics = new AtendeMetrics(registry);
        observer = new LlmCallObserver(metrics, new LlmStats(1));
    }

    @AfterEach
    void stop() {
        ollama.close();
    }

    ChatModel model(Duration timeout) {
        return OllamaModels.streamingChatModel(ollama.baseUrl(), "mistral", 4096, 64, 0.3, timeout, observer, metrics);
    }

    static List<ChatMessage> prompt(String text) {
        return new ArrayList<>(List.of(SystemMessage.from("Seja breve."), UserMessage.from(text)));
    }

    @Test
    void answersWithTokenCountsAndTheTimeToTheFirstToken() {
        ollama.slowTokens(Duration.ofMillis(50));
        ChatResponse res = model(Duration.ofSeconds(10)).chat(prompt("tem estacionamento?"));
        assertThat(res.aiMessage().text()).isEqualTo("Resposta: tem estacionamento?");
        assertThat(res.tokenUsage().inputTokenCount()).isPositive();
        assertThat(res.tokenUsage().outputTokenCount()).isPositive();

        OllamaFixture.ChatCall call = ollama.calls().get(0);
        assertThat(call.stream()).isTrue();
        assertThat(call.option("num_ctx")).isEqualTo(4096);
        assertThat(call.option("num_predict")).isEqualTo(64);

        var firstToken = registry.get("atende.llm.first.token").timer();
        var request = registry.get("atende.llm.request").tag("outcome", "success").timer();
        assertThat(firstToken.count()).isEqualTo(1);
        assertThat(request.count()).isEqualTo(1);
        // Three words streamed 50 ms apart: the first arrives well before the end.
        assertThat(firstToken.totalTime(TimeUnit.MILLISECONDS)).isLessThan(request.totalTime(TimeUnit.MILLISECONDS));
        assertThat(registry.get("atende.llm.tokens").tag("kind", "output").counter().count()).isPositive();
        assertThat(metrics.llmInflight()).isZero();
        assertThat(observer.answer("x").inputTokens()).isEqualTo(res.tokenUsage().inputTokenCount());
    }

    @Test
    void timeoutBoundsACallThatNeverStarts() {
        ollama.hang();
        long started = System.nanoTime();
        assertThatThrownBy(() -> model(Duration.ofSeconds(1)).chat(prompt("oi"))).isInstanceOf(TimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(registry.get("atende.llm.request").tag("outcome", "failure").timer().count()).isEqualTo(1);
        assertThat(metrics.llmInflight()).isZero();
        ollama.release();
    }

    @Test
    void timeoutBoundsTheWholeStreamAndCancelsIt() {
        ollama.replyWith(call -> "palavra ".repeat(40).strip()).slowTokens(Duration.ofMillis(100));
        long started = System.nanoTime();
        assertThatThrownBy(() -> model(Duration.ofSeconds(1)).chat(prompt("conte uma história")))
                .isInstanceOf(TimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        assertThat(registry.get("atende.llm.first.token").timer().count()).isEqualTo(1);
        // The stream was cancelled: the connection closes, so Ollama stops generating (about 4 s of words were left).
        await().atMost(Duration.ofSeconds(3)).until(() -> ollama.inFlight() == 0);
        assertThat(metrics.llmInflight()).isZero();
    }

    @Test
    void anErrorInTheMiddleOfTheStreamFailsTheCall() {
        ollama.errorMidStream();
        assertThatThrownBy(() -> model(Duration.ofSeconds(5)).chat(prompt("um dois três quatro cinco seis")))
                .isInstanceOf(RuntimeException.class);
        assertThat(registry.get("atende.llm.request").tag("outcome", "failure").timer().count()).isEqualTo(1);
        assertThat(metrics.llmInflight()).isZero();
    }

    @Test
    void anHttpErrorFailsTheCall() {
        ollama.failNext(1, 500);
        assertThatThrownBy(() -> model(Duration.ofSeconds(5)).chat(prompt("oi"))).isInstanceOf(RuntimeException.class);
        assertThat(model(Duration.ofSeconds(5)).chat(prompt("oi")).aiMessage().text()).isEqualTo("Resposta: oi");
    }
}
