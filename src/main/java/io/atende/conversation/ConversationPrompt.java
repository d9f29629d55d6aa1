package io.atende.conversation;

import dev.langchain4j.data.message.ChatMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Joins the history loaded by the route (camel-sql rows) with the claimed turn into the LLM's message list. */
public final class ConversationPrompt {

    private final PromptBuilder builder;

    public ConversationPrompt(PromptBuilder builder) {
        this.builder = builder;
    }

    public ArrayList<ChatMessage> build(List<Map<String, Object>> historyRows, ClaimedTurn turn) {
        return builder.build(HistoryTurn.fromRows(historyRows == null ? List.of() : historyRows), turn.texts());
    }
}
