package io.atende.llm;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import io.atende.support.AtendeMetrics;

import java.time.Duration;
import java.util.List;

/** Builds the LangChain4j Ollama client the routes call through camel-langchain4j-chat. */
public final class OllamaModels {

    private OllamaModels() {
    }

    /**
     * The model the routes use: Ollama's streaming {@code /api/chat} behind a blocking {@link ChatModel}, so the
     * time to the first token is measured.
     *
     * @param numCtx sent identically on every call: Ollama reloads the model whenever num_ctx changes
     * @param maxReplyTokens num_predict: bounds generation time on a CPU host
     * @param timeout the whole call, first token to last (OLLAMA_TIMEOUT_S); the stream is cancelled past it
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
                // The route's thread writes the request and reads the answer (see BlockingHttpClient).
                .httpClientBuilder(BlockingHttpClient.builder())
                .build();
        return new StreamingChatAdapter(streaming, timeout, List.of(observer), metrics);
    }
}
