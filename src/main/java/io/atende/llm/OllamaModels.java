package io.atende.llm;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import io.atende.support.AtendeMetrics;

import java.time.Duration;
import java.util.List;

/** Builds the LangChain4j Ollama client the routes call through camel-langchain4j-chat. */
public final class OllamaModels {

    private OllamaModels() {
    }

    /**
     * @param numCtx sent identically on every call: Ollama reloads the model whenever num_ctx changes
     * @param maxReplyTokens num_predict: bounds generation time on a CPU host
     */
    public static OllamaChatModel chatModel(String baseUrl, String model, int numCtx, int maxReplyTokens,
                                            double temperature, Duration timeout, ChatModelListener observer) {
        return OllamaChatModel.builder()
                .baseUrl(baseUrl)
                .modelName(model)
                .numCtx(numCtx)
                .numPredict(maxReplyTokens)
                .temperature(temperature)
                .timeout(timeout)
                // Retries belong to Atende's durable queue, not to a hidden loop inside the client.
                .maxRetries(0)
                .listeners(List.of(observer))
                .build();
    }

    /**
     * The model the routes use: Ollama's streaming {@code /api/chat} behind a blocking {@link ChatModel}, so the
     * time to the first token is measured, with the same options, timeout and listener as {@link #chatModel}.
     */
    public static ChatModel streamingChatModel(String baseUrl, String model, int numCtx, int maxReplyTokens,
                                               double temperature, Duration timeout, ChatModelListener observer,
                                               AtendeMetrics metrics) {
        OllamaStreamingChatModel streaming = OllamaStreamingChatModel.builder()
                .baseUrl(baseUrl)
                .modelName(model)
                .numCtx(numCtx)
                .numPredict(maxReplyTokens)
                .temperature(temperature)
                .timeout(timeout)
                .build();
        return new StreamingChatAdapter(streaming, timeout, List.of(observer), metrics);
    }
}
