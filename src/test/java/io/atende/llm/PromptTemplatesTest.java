package io.atende.llm;

import io.atende.llm.LlmSettings.PromptTemplate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ATENDE_PROMPT_TEMPLATE: its values, and which models {@code auto} renders itself. */
class PromptTemplatesTest {

    @ParameterizedTest
    @ValueSource(strings = {"mistral", "MISTRAL", "mistral:latest", "mistral:7b-instruct-v0.3-q4_0",
            "registry.ollama.ai/library/mistral:7b", "hf.co/bartowski/Mistral-7B-Instruct-v0.3-GGUF:Q4_K_M",
            "mistral-7b-instruct", "mistral-instruct:v0.2"})
    void mistral7bInstructIsRenderedHere(String model) {
        assertThat(PromptTemplates.rendersMistral(model)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3.1:8b", "qwen2.5:7b", "mixtral:8x7b", "mistral-nemo", "mistral-small:24b",
            "mistral-large", "mistral-openorca", "someone/notmistral", "", " "})
    void otherModelsKeepTheServersTemplate(String model) {
        assertThat(PromptTemplates.rendersMistral(model)).isFalse();
    }

    @Test
    void theSettingsValues() {
        assertThat(PromptTemplate.parse(null)).isEqualTo(PromptTemplate.AUTO);
        assertThat(PromptTemplate.parse(" ")).isEqualTo(PromptTemplate.AUTO);
        assertThat(PromptTemplate.parse("Auto")).isEqualTo(PromptTemplate.AUTO);
        assertThat(PromptTemplate.parse("mistral")).isEqualTo(PromptTemplate.MISTRAL);
        assertThat(PromptTemplate.parse(" CHAT ")).isEqualTo(PromptTemplate.CHAT);
        assertThatThrownBy(() -> PromptTemplate.parse("chatml")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ATENDE_PROMPT_TEMPLATE").hasMessageContaining("chatml");
    }

    @Test
    void theDefaultIsAutoAndMistralNeedsOllama() {
        assertThat(settings("ollama", null).promptTemplate()).isEqualTo(PromptTemplate.AUTO);
        assertThat(new LlmSettings("ollama", "mistral", "", 4096, 512, 0.3, Duration.ofSeconds(5), true)
                .promptTemplate()).isEqualTo(PromptTemplate.AUTO);
        assertThat(settings("ollama", PromptTemplate.MISTRAL).promptTemplate()).isEqualTo(PromptTemplate.MISTRAL);
        assertThat(settings("openai", PromptTemplate.AUTO).promptTemplate()).isEqualTo(PromptTemplate.AUTO);
        assertThat(settings("openai", PromptTemplate.CHAT).promptTemplate()).isEqualTo(PromptTemplate.CHAT);
        assertThatThrownBy(() -> settings("openai", PromptTemplate.MISTRAL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ATENDE_PROMPT_TEMPLATE=mistral")
                .hasMessageContaining("ollama");
    }

    static LlmSettings settings(String provider, PromptTemplate template) {
        return new LlmSettings(provider, "mistral", "", 4096, 512, 0.3, Duration.ofSeconds(5), true, template);
    }
}
