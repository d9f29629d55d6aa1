package io.atende.conversation;

import io.atende.llm.LlmPrompt;

/** The claimed turn (its history and its pending messages) as the LLM's prompt. */
public final class ConversationPrompt {

    private final PromptBuilder builder;

    public ConversationPrompt(PromptBuilder builder) {
        this.builder = builder;
    }

    public LlmPrompt build(ClaimedTurn turn) {
        return new LlmPrompt(builder.build(turn.history(), turn.texts()));
    }
}
