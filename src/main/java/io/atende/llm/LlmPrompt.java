package io.atende.llm;

import dev.langchain4j.data.message.ChatMessage;

import java.util.List;

/**
 * What the model is asked: the chat, oldest message first (system prompt, history, the customer's new messages), and
 * the number's own LLM settings.
 *
 * @param options the model, temperature and reply length of this call; null: the server's configured defaults
 */
public record LlmPrompt(List<ChatMessage> messages, LlmOptions options) {

    public LlmPrompt {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("a prompt needs at least one message");
        }
        messages = List.copyOf(messages);
    }

    /** A prompt with the environment's LLM settings. */
    public LlmPrompt(List<ChatMessage> messages) {
        this(messages, null);
    }
}
