package io.atende.conversation;

import dev.langchain4j.data.message.ChatMessage;

import java.util.ArrayList;

/** The claimed turn (its history and its pending messages) as the LLM's message list. */
public final class ConversationPrompt {

    private final PromptBuilder builder;

    public ConversationPrompt(PromptBuilder builder) {
        this.builder = builder;
    }

    public ArrayList<ChatMessage> build(ClaimedTurn turn) {
        return builder.build(turn.history(), turn.texts());
    }
}
