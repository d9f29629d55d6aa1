package io.atende.llm;

import dev.langchain4j.data.message.ChatMessage;

import java.util.List;

/** What the model is asked: the chat, oldest message first (system prompt, history, the customer's new messages). */
public record LlmPrompt(List<ChatMessage> messages) {

    public LlmPrompt {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("a prompt needs at least one message");
        }
        messages = List.copyOf(messages);
    }
}
