package io.atende.llm;

import java.time.Duration;
import java.util.Locale;

/**
 * How every call is made, whichever server takes it.
 *
 * @param provider       {@code ollama} (Ollama's own API) or {@code openai} (any OpenAI-compatible chat-completions
 *                       server: llama.cpp {@code llama-server}, vLLM, LocalAI, OpenAI)
 * @param model          the model's name on that server
 * @param apiKey         sent as {@code Authorization: Bearer} to an OpenAI-compatible server; blank: none
 * @param numCtx         Ollama's {@code num_ctx}, sent identically on every call (any change reloads the model); an
 *                       OpenAI-compatible server sets its context size itself
 * @param maxReplyTokens the longest reply ({@code num_predict}, {@code max_tokens})
 * @param timeout        one whole call, request to last token
 * @param stream         stream the answer (measures the first token); false: one response at the end
 * @param promptTemplate who renders the prompt ({@code ATENDE_PROMPT_TEMPLATE}): see {@link PromptTemplate}
 */
public record LlmSettings(String provider, String model, String apiKey, int numCtx, int maxReplyTokens,
                          double temperature, Duration timeout, boolean stream, PromptTemplate promptTemplate) {

    public static final String OLLAMA = "ollama";
    public static final String OPENAI = "openai";

    /**
     * Who turns the chat into the model's prompt.
     * <ul>
     * <li>{@code CHAT}: the server, from the messages (Ollama {@code /api/chat}, or the OpenAI-compatible server)</li>
     * <li>{@code MISTRAL}: Atende, in Mistral's instruction format with the system prompt in the first {@code [INST]}
     * ({@link MistralInstructPrompt}), sent raw to Ollama's {@code /api/generate}, so that every conversation of a
     * number shares the system prompt's KV cache; Ollama only</li>
     * <li>{@code AUTO}: {@code MISTRAL} for a call whose model is a Mistral 7B instruct model on Ollama
     * ({@link PromptTemplates#rendersMistral}), {@code CHAT} otherwise; decided per call, since a number's profile
     * may choose another model</li>
     * </ul>
     */
    public enum PromptTemplate {
        AUTO, MISTRAL, CHAT;

        /** {@code auto}, {@code mistral} or {@code chat}, any case; blank is {@code auto}. */
        public static PromptTemplate parse(String value) {
            String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
            return switch (v) {
                case "", "auto" -> AUTO;
                case "mistral" -> MISTRAL;
                case "chat" -> CHAT;
                default -> throw new IllegalArgumentException(
                        "ATENDE_PROMPT_TEMPLATE must be auto, mistral or chat, got '" + value + "'");
            };
        }
    }

    public LlmSettings {
        provider = provider == null ? "" : provider.strip().toLowerCase(Locale.ROOT);
        if (!provider.equals(OLLAMA) && !provider.equals(OPENAI)) {
            throw new IllegalArgumentException("ATENDE_LLM_PROVIDER must be ollama or openai, got '" + provider + "'");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("the LLM model (OLLAMA_MODEL or OPENAI_MODEL) must not be blank");
        }
        apiKey = apiKey == null ? "" : apiKey.strip();
        promptTemplate = promptTemplate == null ? PromptTemplate.AUTO : promptTemplate;
        // Refused rather than ignored: an OpenAI-compatible server applies its own chat template to the messages.
        if (promptTemplate == PromptTemplate.MISTRAL && !provider.equals(OLLAMA)) {
            throw new IllegalArgumentException("ATENDE_PROMPT_TEMPLATE=mistral needs ATENDE_LLM_PROVIDER=ollama (raw "
                    + "prompts go to Ollama's /api/generate); an OpenAI-compatible server applies its own chat "
                    + "template: use auto or chat");
        }
    }

    /** The settings with the default prompt template ({@code auto}). */
    public LlmSettings(String provider, String model, String apiKey, int numCtx, int maxReplyTokens,
                       double temperature, Duration timeout, boolean stream) {
        this(provider, model, apiKey, numCtx, maxReplyTokens, temperature, timeout, stream, PromptTemplate.AUTO);
    }
}
