package io.atende.llm;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.TimeoutException;
import io.atende.fixtures.OllamaFixture;
import io.atende.llm.LlmSettings.PromptTemplate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The raw {@code /api/generate} client against the Ollama stand-in, over a real socket. */
class OllamaGenerateLlmTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    OllamaFixture ollama;

    @BeforeEach
    void start() {
        ollama = OllamaFixture.start();
    }

    @AfterEach
    void stop() {
        ollama.close();
    }

    static LlmSettings settings(boolean stream, PromptTemplate template, Duration timeout) {
        return new LlmSettings("ollama", "mistral", "", 4096, 512, 0.3, timeout, stream, template);
    }

    static LlmPrompt prompt(String question, LlmOptions options) {
        return new LlmPrompt(List.of(SystemMessage.from("Você é a Ana."), UserMessage.from("Oi"),
                AiMessage.from("Olá!"), UserMessage.from(question)), options);
    }

    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {true, false})
    void sendsTheRenderedPromptRawWithTheOptionsAndReadsTheAnswer(boolean stream) {
        LlmClient llm = new OllamaGenerateLlm(settings(stream, PromptTemplate.MISTRAL, Duration.ofSeconds(10)),
                ollama.baseUrl() + "/");
        ollama.replyWith(c -> "Abrimos às 8h, " + c.lastUserContent());

        LlmAnswer answer = llm.chat(prompt("que horas?", null));
        LlmAnswer other = llm.chat(prompt("e domingo?", new LlmOptions("mistral:7b", 0.9, 64)));

        assertThat(answer.text()).isEqualTo("Abrimos às 8h, que horas?");
        assertThat(answer.inputTokens()).isPositive();
        assertThat(answer.outputTokens()).isEqualTo(5);
        assertThat(answer.millis()).isNotNegative();
        if (stream) {
            assertThat(answer.firstTokenMillis()).isNotNull().isNotNegative();
        } else {
            assertThat(answer.firstTokenMillis()).isNull();
        }
        OllamaFixture.ChatCall first = ollama.awaitCall(0, WAIT);
        assertThat(first.path()).isEqualTo(OllamaFixture.GENERATE);
        assertThat(first.raw()).isTrue();
        assertThat(first.stream()).isEqualTo(stream);
        assertThat(first.prompt()).isEqualTo("[INST] Você é a Ana.\n\nOi[/INST] Olá!</s>[INST] que horas?[/INST]");
        assertThat(first.model()).isEqualTo("mistral");
        assertThat(first.options()).containsOnlyKeys("num_ctx", "num_predict", "temperature");
        assertThat(first.option("num_ctx")).isEqualTo(4096);
        assertThat(first.option("num_predict")).isEqualTo(512);
        assertThat(((Number) first.option("temperature")).doubleValue()).isEqualTo(0.3);
        assertThat(other.text()).isEqualTo("Abrimos às 8h, e domingo?");
        OllamaFixture.ChatCall second = ollama.awaitCall(1, WAIT);
        assertThat(second.model()).isEqualTo("mistral:7b");
        assertThat(second.option("num_ctx")).isEqualTo(4096);
        assertThat(second.option("num_predict")).isEqualTo(64);
        assertThat(((Number) second.option("temperature")).doubleValue()).isEqualTo(0.9);
    }

    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {true, false})
    void anHttpErrorSurfacesAsLangChain4jsOllamaClientReportsIt(boolean stream) {
        LlmClient llm = new OllamaGenerateLlm(settings(stream, PromptTemplate.MISTRAL, Duration.ofSeconds(10)),
                ollama.baseUrl());
        ollama.failNext(1, 500);
        assertThatThrownBy(() -> llm.chat(prompt("x", null))).isInstanceOf(InternalServerException.class)
                .cause().isInstanceOfSatisfying(HttpException.class, h -> {
                    assertThat(h.statusCode()).isEqualTo(500);
                    assertThat(h.getMessage()).contains("\"error\"");
                });
        ollama.onlyModels("llama3.1:8b");
        assertThatThrownBy(() -> llm.chat(prompt("x", null))).isInstanceOf(ModelNotFoundException.class);
    }

    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {true, false})
    void theTimeoutBoundsTheWholeCall(boolean stream) {
        LlmClient llm = new OllamaGenerateLlm(settings(stream, PromptTemplate.MISTRAL, Duration.ofMillis(700)),
                ollama.baseUrl());
        ollama.replyWith(c -> "um dois três quatro cinco").slowTokens(Duration.ofMillis(400));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> llm.chat(prompt("x", null))).isInstanceOf(TimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void aRefusedConnectionFails() {
        LlmClient llm = new OllamaGenerateLlm(settings(true, PromptTemplate.MISTRAL, Duration.ofSeconds(5)),
                ollama.baseUrl());
        ollama.refuseConnections();
        assertThatThrownBy(() -> llm.chat(prompt("x", null))).hasRootCauseInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void anErrorLineMidStreamFailsTheCall() {
        LlmClient llm = new OllamaGenerateLlm(settings(true, PromptTemplate.MISTRAL, Duration.ofSeconds(10)),
                ollama.baseUrl());
        ollama.replyWith(c -> "uma resposta longa cortada").errorMidStream(2);
        assertThatThrownBy(() -> llm.chat(prompt("x", null)))
                .isInstanceOf(StreamingLlm.IncompleteAnswerException.class)
                .hasMessageContaining(OllamaFixture.MID_STREAM_ERROR);
    }

    @Test
    void autoChoosesPerCallByTheCallsModel() {
        LlmClient llm = LlmModels.client(settings(true, PromptTemplate.AUTO, Duration.ofSeconds(10)), ollama.baseUrl());
        llm.chat(prompt("padrão", null));
        llm.chat(prompt("llama", new LlmOptions("llama3.1:8b", 0.3, 100)));
        llm.chat(prompt("mistral do perfil", new LlmOptions("mistral:7b-instruct", 0.3, 100)));

        List<OllamaFixture.ChatCall> calls = ollama.awaitCalls(3, WAIT);
        assertThat(calls).extracting(OllamaFixture.ChatCall::path)
                .containsExactly(OllamaFixture.GENERATE, OllamaFixture.CHAT, OllamaFixture.GENERATE);
        assertThat(calls).extracting(OllamaFixture.ChatCall::lastUserContent)
                .containsExactly("padrão", "llama", "mistral do perfil");
    }

    @Test
    void autoWithAnotherDefaultModelAndChatKeepTheChatEndpoint() {
        LlmSettings llama = new LlmSettings("ollama", "llama3.1:8b", "", 4096, 512, 0.3, Duration.ofSeconds(10), false,
                PromptTemplate.AUTO);
        LlmModels.client(llama, ollama.baseUrl()).chat(prompt("a", null));
        LlmModels.client(settings(false, PromptTemplate.CHAT, Duration.ofSeconds(10)), ollama.baseUrl())
                .chat(prompt("b", null));
        LlmModels.client(settings(false, PromptTemplate.MISTRAL, Duration.ofSeconds(10)), ollama.baseUrl())
                .chat(prompt("c", new LlmOptions("llama3.1:8b", 0.3, 100)));

        assertThat(ollama.awaitCalls(3, WAIT)).extracting(OllamaFixture.ChatCall::path)
                .containsExactly(OllamaFixture.CHAT, OllamaFixture.CHAT, OllamaFixture.GENERATE);
    }
}
