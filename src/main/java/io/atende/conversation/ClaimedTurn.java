package io.atende.conversation;

import java.util.List;

/**
 * One LLM turn claimed from the durable queue: the customer's pending messages of one conversation, oldest first,
 * and the conversation's recent history (read in the claim's round trip). While it exists the conversation is in
 * state {@code answering} and holds one LLM slot.
 *
 * @param historyBlock the history window's block (see {@link HistoryWindow}): the prompt builder trims whole blocks
 *                     too, so the prompt's start stays put; 1: a plain sliding window
 */
public record ClaimedTurn(long conversationId, long instanceId, String instance, String contactJid,
                          List<Long> messageIds, List<String> texts, List<HistoryTurn> history, int historyBlock) {

    public ClaimedTurn(long conversationId, long instanceId, String instance, String contactJid,
                       List<Long> messageIds, List<String> texts, List<HistoryTurn> history) {
        this(conversationId, instanceId, instance, contactJid, messageIds, texts, history, 1);
    }

    public long lastMessageId() {
        return messageIds.get(messageIds.size() - 1);
    }
}
