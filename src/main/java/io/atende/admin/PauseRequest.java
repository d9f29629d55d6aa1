package io.atende.admin;

/**
 * {@code POST /admin/conversations/{instance}/{contact}/pause}, its body checked.
 *
 * @param minutes how long the human attendant keeps the conversation (over 0, at most
 *                {@value ConversationHandoffs#MAX_PAUSE_MINUTES}); null: the number's {@code handoff.pauseMinutes}
 */
public record PauseRequest(ConversationAddress conversation, Double minutes) {
}
