package io.atende.conversation;

import java.util.List;

/**
 * One LLM turn claimed from the durable queue: the customer's pending messages of one conversation, oldest first,
 * and the conversation's recent history (read in the claim's round trip). While it exists the conversation is in
 * state {@code answering} and holds one LLM slot.
 */
public record ClaimedTurn(long conversationId, long instanceId, String instance, String contactJid,
                          List<Long> messageIds, List<String> texts, List<HistoryTurn> history) {

    public long lastMessageId() {
        return messageIds.get(messageIds.size() - 1);
    }
}
