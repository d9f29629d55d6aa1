package io.atende.llm;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;

/** LangChain4j's response, whichever provider produced it, as an {@link LlmAnswer}. */
final class ChatResponses {

    private ChatResponses() {
    }

    static LlmAnswer answer(ChatResponse response, long startedNanos, Long firstTokenMillis) {
        TokenUsage usage = response.tokenUsage();
        String text = response.aiMessage() == null ? null : response.aiMessage().text();
        return LlmAnswer.of(text, usage == null ? null : usage.inputTokenCount(),
                usage == null ? null : usage.outputTokenCount(), (System.nanoTime() - startedNanos) / 1_000_000,
                firstTokenMillis);
    }
}
