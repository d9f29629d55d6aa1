package io.atende.llm;

/**
 * One number's LLM settings for one call (its profile over the environment's): applied per request, so every number
 * can have its own model, temperature and reply length on the same servers. Ollama's {@code num_ctx} is not here: it
 * is the same on every call, since any change makes Ollama reload the model.
 *
 * @param model       the model's name on the server
 * @param temperature 0 to 2
 * @param numPredict  the longest reply in tokens (Ollama {@code num_predict}, OpenAI {@code max_tokens})
 */
public record LlmOptions(String model, double temperature, int numPredict) {

    public LlmOptions {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("the LLM model must not be blank");
        }
        if (numPredict <= 0) {
            throw new IllegalArgumentException("numPredict must be positive: " + numPredict);
        }
    }
}
