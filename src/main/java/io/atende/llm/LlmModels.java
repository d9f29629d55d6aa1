package io.atende.llm;

import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;

/**
 * The client for one server of the configured provider, streaming or not: a LangChain4j chat model, or for Mistral on
 * Ollama the raw {@code /api/generate} call ({@code ATENDE_PROMPT_TEMPLATE}, {@link LlmSettings.PromptTemplate}).
 * Every client writes its request and reads its answer on the calling route's thread ({@link BlockingHttpClient}).
 */
final class LlmModels {

    private LlmModels() {
    }

    static LlmClient client(LlmSettings s, String baseUrl) {
        return switch (s.provider()) {
            case LlmSettings.OLLAMA -> switch (s.promptTemplate()) {
                case CHAT -> ollamaChat(s, baseUrl);
                case MISTRAL -> new OllamaGenerateLlm(s, baseUrl);
                case AUTO -> PromptTemplates.perCall(ollamaChat(s, baseUrl), new OllamaGenerateLlm(s, baseUrl), s.model());
            };
            // Always the server's own chat template: LlmSettings refuses ATENDE_PROMPT_TEMPLATE=mistral here.
            case LlmSettings.OPENAI -> s.stream()
                    ? new StreamingLlm(openAiStreaming(s, baseUrl), s.timeout(), RequestParameters.openAi())
                    : new BlockingLlm(openAi(s, baseUrl), RequestParameters.openAi());
            default -> throw new IllegalArgumentException("unknown LLM provider " + s.provider());
        };
    }

    private static LlmClient ollamaChat(LlmSettings s, String baseUrl) {
        return s.stream()
                ? new StreamingLlm(ollamaStreaming(s, baseUrl), s.timeout(), RequestParameters.ollama(s.numCtx()))
                : new BlockingLlm(ollama(s, baseUrl), RequestParameters.ollama(s.numCtx()));
    }

    private static OllamaStreamingChatModel ollamaStreaming(LlmSettings s, String baseUrl) {
        return OllamaStreamingChatModel.builder().baseUrl(baseUrl).modelName(s.model()).numCtx(s.numCtx())
                .numPredict(s.maxReplyTokens()).temperature(s.temperature()).timeout(s.timeout())
                .httpClientBuilder(BlockingHttpClient.builder()).build();
    }

    private static OllamaChatModel ollama(LlmSettings s, String baseUrl) {
        return OllamaChatModel.builder().baseUrl(baseUrl).modelName(s.model()).numCtx(s.numCtx())
                .numPredict(s.maxReplyTokens()).temperature(s.temperature()).timeout(s.timeout()).maxRetries(0)
                .httpClientBuilder(BlockingHttpClient.builder()).build();
    }

    private static OpenAiStreamingChatModel openAiStreaming(LlmSettings s, String baseUrl) {
        return OpenAiStreamingChatModel.builder().baseUrl(baseUrl).modelName(s.model()).apiKey(apiKey(s))
                .maxTokens(s.maxReplyTokens()).temperature(s.temperature()).timeout(s.timeout())
                .httpClientBuilder(BlockingHttpClient.builder()).build();
    }

    private static OpenAiChatModel openAi(LlmSettings s, String baseUrl) {
        return OpenAiChatModel.builder().baseUrl(baseUrl).modelName(s.model()).apiKey(apiKey(s))
                .maxTokens(s.maxReplyTokens()).temperature(s.temperature()).timeout(s.timeout()).maxRetries(0)
                .httpClientBuilder(BlockingHttpClient.builder()).build();
    }

    /** No key: no Authorization header at all (local servers need none). */
    private static String apiKey(LlmSettings s) {
        return s.apiKey().isEmpty() ? null : s.apiKey();
    }
}
