package io.atende.llm;

import dev.langchain4j.data.message.ChatMessage;

import java.util.List;

/**
 * What the model is asked: the chat, oldest message first (system prompt, history, the customer's new messages), and
 * the number's own LLM settings.
 *
 * @param options  the model, temperature and reply length of this call; null: the server's configured defaults
 * @param cacheKey whose prompt this is, so the call goes to the slot whose KV cache holds its prefix; null: any slot
 */
public record LlmPrompt(List<ChatMessage> messages, LlmOptions options, CacheKey cacheKey) {

    /**
     * The number and the conversation a prompt belongs to: prompts of one number share their system prefix, and a
     * conversation's next prompt starts with its last one (see {@link LlmSlots}).
     */
    public record CacheKey(long instanceId, long conversationId) {
    }

    public LlmPrompt {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("a prompt needs at least one message");
        }
        messages = List.copyOf(messages);
    }

    /** A prompt of no particular conversation. */
    public LlmPrompt(List<ChatMessage> messages, LlmOptions options) {
        this(messages, options, null);
    }

    /** A prompt with the environment's LLM settings. */
    public LlmPrompt(List<ChatMessage> messages) {
        this(messages, null, null);
    }
}
