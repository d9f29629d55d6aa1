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
 */
public record LlmSettings(String provider, String model, String apiKey, int numCtx, int maxReplyTokens,
                          double temperature, Duration timeout, boolean stream) {

    public static final String OLLAMA = "ollama";
    public static final String OPENAI = "openai";

    public LlmSettings {
        provider = provider == null ? "" : provider.strip().toLowerCase(Locale.ROOT);
        if (!provider.equals(OLLAMA) && !provider.equals(OPENAI)) {
            throw new IllegalArgumentException("ATENDE_LLM_PROVIDER must be ollama or openai, got '" + provider + "'");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("the LLM model (OLLAMA_MODEL or OPENAI_MODEL) must not be blank");
        }
        apiKey = apiKey == null ? "" : apiKey.strip();
    }
}
