package io.atende.llm;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import io.atende.fixtures.OllamaFixture;
import io.atende.fixtures.OpenAiFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each number's model, temperature and reply length reach the server in its own request, over real sockets (the Ollama
 * and OpenAI-compatible stand-ins record what they receive), streamed and not; Ollama's num_ctx stays the same on
 * every call, whatever the options, since any change reloads the model.
 */
class LlmOptionsOnTheWireTest {

    static OllamaFixture ollama;
    static OpenAiFixture openAi;

    @BeforeAll
    static void start() {
        ollama = OllamaFixture.start();
        openAi = OpenAiFixture.start();
    }

    @AfterAll
    static void stop() {
        ollama.close();
        openAi.close();
    }

    static LlmSettings settings(String provider, boolean stream) {
        return new LlmSettings(provider, "mistral", "", 4096, 512, 0.7, Duration.ofSeconds(20), stream);
    }

    static LlmPrompt prompt(String marker, LlmOptions options) {
        return new LlmPrompt(List.of(SystemMessage.from("Seja breve."), UserMessage.from(marker)), options);
    }

    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {true, false})
    void ollamaGetsEachNumbersOptionsAndAlwaysTheSameNumCtx(boolean stream) {
        LlmClient client = LlmModels.client(settings(LlmSettings.OLLAMA, stream), ollama.baseUrl());
        String a = "padaria " + stream;
        String b = "oficina " + stream;
        String none = "sem perfil " + stream;

        client.chat(prompt(a, new LlmOptions("llama3.1:8b", 0.2, 200)));
        client.chat(prompt(b, new LlmOptions("qwen2.5:7b", 1.1, 64)));
        client.chat(prompt(none, null));

        OllamaFixture.ChatCall first = ollamaCall(a);
        assertThat(first.model()).isEqualTo("llama3.1:8b");
        assertThat(((Number) first.option("temperature")).doubleValue()).isEqualTo(0.2);
        assertThat(first.option("num_predict")).isEqualTo(200);
        OllamaFixture.ChatCall second = ollamaCall(b);
        assertThat(second.model()).isEqualTo("qwen2.5:7b");
        assertThat(((Number) second.option("temperature")).doubleValue()).isEqualTo(1.1);
        assertThat(second.option("num_predict")).isEqualTo(64);
        OllamaFixture.ChatCall defaults = ollamaCall(none);
        assertThat(defaults.model()).isEqualTo("mistral");
        assertThat(((Number) defaults.option("temperature")).doubleValue()).isEqualTo(0.7);
        assertThat(defaults.option("num_predict")).isEqualTo(512);
        for (OllamaFixture.ChatCall call : List.of(first, second, defaults)) {
            assertThat(call.option("num_ctx")).isEqualTo(4096);
        }
    }

    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {true, false})
    void anOpenAiCompatibleServerGetsModelTemperatureAndMaxTokens(boolean stream) {
        LlmClient client = LlmModels.client(settings(LlmSettings.OPENAI, stream), openAi.baseUrl());
        String a = "padaria openai " + stream;
        String none = "sem perfil openai " + stream;

        client.chat(prompt(a, new LlmOptions("qwen2.5-7b-instruct", 0.3, 150)));
        client.chat(prompt(none, null));

        OpenAiFixture.ChatCall first = openAiCall(a);
        assertThat(first.model()).isEqualTo("qwen2.5-7b-instruct");
        assertThat(first.temperature()).isEqualTo(0.3);
        assertThat(first.maxTokens()).isEqualTo(150);
        OpenAiFixture.ChatCall defaults = openAiCall(none);
        assertThat(defaults.model()).isEqualTo("mistral");
        assertThat(defaults.temperature()).isEqualTo(0.7);
        assertThat(defaults.maxTokens()).isEqualTo(512);
    }

    static OllamaFixture.ChatCall ollamaCall(String marker) {
        return ollama.calls().stream().filter(c -> c.lastUserContent().equals(marker)).findFirst().orElseThrow();
    }

    static OpenAiFixture.ChatCall openAiCall(String marker) {
        return openAi.calls().stream().filter(c -> c.lastUserContent().equals(marker)).findFirst().orElseThrow();
    }
}
